import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";

const { app, db } = await createTestApp();

describe("customers — who sees what", () => {
  it(prose`
    when merchant A's key asks, then merchant B's customers exist nowhere: not listed, not by id, not by phone or email
  `, async () => {
    const [a, b] = [await makeMerchant(db), await makeMerchant(db)];
    const mine = await makeCustomer(db, a.id, { phone: "+13035550111", email: "mine@example.com" });
    const theirs = await makeCustomer(db, b.id, { phone: "+13035550122", email: "theirs@example.com" });
    const { key } = await makeKey(db, a.id, { scopes: ["customers:read"] });
    const get = (path: string, query: Record<string, string> = {}) =>
      request(app).get(path).set("x-apikey", key).query(query);

    const feed = await get("/v1/customers");
    expect(feed.body.data.map((c: { id: string }) => c.id)).toEqual([mine.id]);
    const backfill = await get("/v1/customers", { created_from: "2000-01-01T00:00:00Z" });
    expect(backfill.body.data.map((c: { id: string }) => c.id)).toEqual([mine.id]);
    expect((await get("/v1/customers", { phone: "(303) 555-0122" })).body.data).toEqual([]);
    expect((await get("/v1/customers", { email: "theirs@example.com" })).body.data).toEqual([]);

    const byId = await get(`/v1/customers/${theirs.id}`);
    expect(byId.status).toBe(404);
    const nobody = await get("/v1/customers/00000000-0000-4000-8000-000000000000");
    expect(nobody.status).toBe(404);
    // Exactly the same answer as for an id that exists nowhere.
    expect({ ...byId.body, instance: undefined }).toEqual({ ...nobody.body, instance: undefined });
  });

  it("when a key is limited to some locations, then it still sees every customer of its merchant", async () => {
    const merchant = await makeMerchant(db);
    const store = await makeLocation(db, merchant.id);
    const customer = await makeCustomer(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"], locationIds: [store.id] });
    const res = await request(app).get("/v1/customers").set("x-apikey", key);
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([customer.id]);
  });

  it("when a cursor made for one key is sent by another key of another merchant, then 400", async () => {
    const [a, b] = [await makeMerchant(db), await makeMerchant(db)];
    await makeCustomer(db, a.id);
    await makeCustomer(db, a.id);
    const { key: keyA } = await makeKey(db, a.id, { scopes: ["customers:read"] });
    const { key: keyB } = await makeKey(db, b.id, { scopes: ["customers:read"] });
    const page = await request(app).get("/v1/customers").set("x-apikey", keyA).query({ limit: 1 });
    const res = await request(app)
      .get("/v1/customers")
      .set("x-apikey", keyB)
      .query({ limit: 1, cursor: page.body.next_cursor });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].location).toBe("query.cursor");
  });

  it(prose`
    when there is no key, then 401; when the key lacks customers:read, then 403 (for the list and by id)
  `, async () => {
    const merchant = await makeMerchant(db);
    const customer = await makeCustomer(db, merchant.id);
    expect((await request(app).get("/v1/customers")).status).toBe(401);
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read", "transactions:read"] });
    for (const path of ["/v1/customers", `/v1/customers/${customer.id}`]) {
      const res = await request(app).get(path).set("x-apikey", key);
      expect(res.status).toBe(403);
      expect(res.body.required_scope).toBe("customers:read");
    }
  });
});
