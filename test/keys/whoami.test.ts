import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";

const { app, db } = await createTestApp();

describe("GET /v1/whoami", () => {
  it("when a key asks, then it is told its merchant, scopes and every location of the merchant", async () => {
    const merchant = await makeMerchant(db, { slug: "green-door", name: "Green Door" });
    const a = await makeLocation(db, merchant.id);
    const b = await makeLocation(db, merchant.id);
    const { key, record } = await makeKey(db, merchant.id, {
      scopes: ["transactions:read", "customers:read"],
      environment: "live",
    });

    const res = await request(app).get("/v1/whoami").set("authorization", `Bearer ${key}`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      merchant: { id: merchant.id, slug: "green-door", name: "Green Door" },
      key: { id: record.id, prefix: record.prefix, environment: "live", expires_at: null },
      scopes: ["transactions:read", "customers:read"],
      all_locations: true,
    });
    expect(res.body.locations.map((l: { id: string }) => l.id).sort()).toEqual([a.id, b.id].sort());
    expect(JSON.stringify(res.body)).not.toContain(key);
  });

  it(prose`
    when the key has a single scope unrelated to reads and is limited to one location, then it still may ask, and sees
    that location only
  `, async () => {
    const merchant = await makeMerchant(db);
    const a = await makeLocation(db, merchant.id);
    await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write"], locationIds: [a.id] });
    const res = await request(app).get("/v1/whoami").set("x-apikey", key);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scopes: ["pos:write"], all_locations: false, locations: [{ id: a.id }] });
  });

  it("when there is no key or a revoked one, then 401", async () => {
    expect((await request(app).get("/v1/whoami")).status).toBe(401);
    const merchant = await makeMerchant(db);
    const { key, record } = await makeKey(db, merchant.id);
    await db.prisma.apiKey.update({ where: { id: record.id }, data: { revokedAt: new Date() } });
    const res = await request(app).get("/v1/whoami").set("x-apikey", key);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/revoked/);
  });
});
