import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { locationRecordSchema } from "../../src/locations/schemas.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";

const { app, db } = await createTestApp();

describe("GET /v1/locations", () => {
  it(prose`
    when a key of any scope asks, then it gets its merchant's stores, paged, and never another merchant's
  `, async () => {
    const merchant = await makeMerchant(db);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await makeLocation(db, merchant.id, { timeZone: "America/Los_Angeles" }));
    const stranger = await makeMerchant(db);
    await makeLocation(db, stranger.id);
    const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write"] });

    const first = await request(app).get("/v1/locations").query({ limit: 2 }).set("x-apikey", key);
    expect(first.status).toBe(200);
    expect(first.body.has_more).toBe(true);
    const second = await request(app)
      .get("/v1/locations")
      .query({ limit: 2, cursor: first.body.next_cursor })
      .set("x-apikey", key);
    expect(second.body).toMatchObject({ has_more: false, next_cursor: null });
    const served = [...first.body.data, ...second.body.data];
    for (const record of served) locationRecordSchema.parse(record);
    expect(served.map((l) => l.id).sort()).toEqual(made.map((l) => l.id).sort());
    expect(served[0]).toMatchObject({ time_zone: "America/Los_Angeles" });
  });

  it("when the key is limited to some locations, then only those", async () => {
    const merchant = await makeMerchant(db);
    const mine = await makeLocation(db, merchant.id);
    await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, { locationIds: [mine.id] });
    const res = await request(app).get("/v1/locations").set("x-apikey", key);
    expect(res.body.data.map((l: { id: string }) => l.id)).toEqual([mine.id]);
  });

  it("when there is no key, then 401; when a parameter is unknown, then 400 naming it", async () => {
    expect((await request(app).get("/v1/locations")).status).toBe(401);
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id);
    const res = await request(app).get("/v1/locations").query({ nme: "x" }).set("x-apikey", key);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].location).toBe("query.nme");
  });
});
