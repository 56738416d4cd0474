// Who may read which transactions: a key sees its merchant only, and only its locations when it
// is limited to some; everything else is as if it did not exist.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";

const { app, db } = await createTestApp();

async function twoMerchants() {
  const a = await makeMerchant(db);
  const b = await makeMerchant(db);
  const aStore = await makeLocation(db, a.id);
  const bStore = await makeLocation(db, b.id);
  const aSale = await makeTransaction(db, aStore);
  const bSale = await makeTransaction(db, bStore);
  return { a, b, aStore, bStore, aSale, bSale };
}

describe("GET /v1/transactions security", () => {
  it("when no key is sent, then 401 with WWW-Authenticate; when the key is bad, then 401", async () => {
    const none = await request(app).get("/v1/transactions");
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);
    const bad = await request(app).get("/v1/transactions").set("x-apikey", "pb_test_nope");
    expect(bad.status).toBe(401);
  });

  it("when the key lacks transactions:read, then 403 naming the scope", async () => {
    const { a, aSale } = await twoMerchants();
    const { key } = await makeKey(db, a.id, { scopes: ["customers:read"] });
    const list = await request(app).get("/v1/transactions").set("x-apikey", key);
    expect(list.status).toBe(403);
    expect(list.body.required_scope).toBe("transactions:read");
    expect((await request(app).get(`/v1/transactions/${aSale.id}`).set("x-apikey", key)).status).toBe(403);
  });

  it("when a revoked or expired key is used, then 401", async () => {
    const { a } = await twoMerchants();
    const { key: expired } = await makeKey(db, a.id, { expiresAt: new Date(Date.now() - 1000) });
    expect((await request(app).get("/v1/transactions").set("x-apikey", expired)).status).toBe(401);
  });

  it("when merchant A's key lists or fetches, then it never sees merchant B's transactions", async () => {
    const { a, aSale, bSale } = await twoMerchants();
    const { key } = await makeKey(db, a.id);
    const list = await request(app).get("/v1/transactions").set("x-apikey", key);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([aSale.id]);
    const byTime = await request(app)
      .get("/v1/transactions")
      .query({ transacted_from: "2000-01-01T00:00:00Z" })
      .set("x-apikey", key);
    expect(byTime.body.data.map((r: { id: string }) => r.id)).toEqual([aSale.id]);
    const theirs = await request(app).get(`/v1/transactions/${bSale.id}`).set("authorization", `Bearer ${key}`);
    expect(theirs.status).toBe(404);
    const missing = await request(app)
      .get("/v1/transactions/0190a6b2-0000-7000-8000-000000000000")
      .set("x-apikey", key);
    // The same answer as for an id that does not exist: existence does not leak.
    expect(theirs.body.detail).toBe(missing.body.detail);
    const filtered = await request(app)
      .get("/v1/transactions")
      .query({ location_id: bSale.locationId })
      .set("x-apikey", key);
    expect(filtered.body.data).toEqual([]);
  });

  it(prose`
    when a key is limited to some locations, then it sees only their transactions; another location's is a 404 and
    filtering on it is empty
  `, async () => {
    const { a, aStore, aSale } = await twoMerchants();
    const other = await makeLocation(db, a.id);
    const otherSale = await makeTransaction(db, other);
    const { key } = await makeKey(db, a.id, { locationIds: [aStore.id] });

    const list = await request(app).get("/v1/transactions").set("x-apikey", key);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([aSale.id]);
    expect((await request(app).get(`/v1/transactions/${otherSale.id}`).set("x-apikey", key)).status).toBe(404);
    expect((await request(app).get(`/v1/transactions/${aSale.id}`).set("x-apikey", key)).status).toBe(200);
    const filtered = await request(app).get("/v1/transactions").query({ location_id: other.id }).set("x-apikey", key);
    expect(filtered.status).toBe(200);
    expect(filtered.body.data).toEqual([]);
  });

  it("when a cursor made for one key is sent with another key of other locations, then 400", async () => {
    const { a, aStore } = await twoMerchants();
    await makeTransaction(db, aStore);
    const { key: all } = await makeKey(db, a.id);
    const { key: limited } = await makeKey(db, a.id, { locationIds: [aStore.id] });
    const page = await request(app).get("/v1/transactions").query({ limit: 1 }).set("x-apikey", all);
    const reused = await request(app)
      .get("/v1/transactions")
      .query({ limit: 1, cursor: page.body.next_cursor })
      .set("x-apikey", limited);
    expect(reused.status).toBe(400);
  });
});
