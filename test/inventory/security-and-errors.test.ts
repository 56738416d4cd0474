import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeInventory, makeKey, makeLocation, makeMerchant, makeProduct } from "../helpers/factories.js";

const { app, db } = await createTestApp();

const list = (key: string, query: Record<string, string | number> = {}) =>
  request(app).get("/v1/inventory").set("x-apikey", key).query(query);
const ids = (res: request.Response) => res.body.data.map((x: { id: string }) => x.id);

describe("inventory — who sees what", () => {
  it(prose`
    when merchant A's key asks, then merchant B's stock exists nowhere, not even by B's sku or location
  `, async () => {
    const [a, b] = [await makeMerchant(db), await makeMerchant(db)];
    const [storeA, storeB] = [await makeLocation(db, a.id), await makeLocation(db, b.id)];
    const mine = await makeInventory(db, {
      merchantId: a.id,
      locationId: storeA.id,
      productId: (await makeProduct(db, a.id, { sku: "SHARED" })).id,
    });
    await makeInventory(db, {
      merchantId: b.id,
      locationId: storeB.id,
      productId: (await makeProduct(db, b.id, { sku: "SHARED" })).id,
    });
    await makeInventory(db, {
      merchantId: b.id,
      locationId: storeB.id,
      productId: (await makeProduct(db, b.id, { sku: "B-ONLY" })).id,
    });
    const { key } = await makeKey(db, a.id, { scopes: ["inventory:read"] });

    expect(ids(await list(key))).toEqual([mine.id]);
    expect(ids(await list(key, { sku: "SHARED" }))).toEqual([mine.id]);
    expect(ids(await list(key, { sku: "B-ONLY" }))).toEqual([]);
    expect(ids(await list(key, { location_id: storeB.id }))).toEqual([]);
  });

  it(prose`
    when a key is limited to some locations, then it sees only their items, and other locations filter to nothing
  `, async () => {
    const merchant = await makeMerchant(db);
    const [north, south] = [await makeLocation(db, merchant.id), await makeLocation(db, merchant.id)];
    const product = await makeProduct(db, merchant.id);
    const here = await makeInventory(db, { merchantId: merchant.id, locationId: north.id, productId: product.id });
    await makeInventory(db, { merchantId: merchant.id, locationId: south.id, productId: product.id });
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"], locationIds: [north.id] });

    expect(ids(await list(key))).toEqual([here.id]);
    expect(ids(await list(key, { sku: product.sku }))).toEqual([here.id]);
    expect(ids(await list(key, { location_id: south.id }))).toEqual([]);
    expect(ids(await list(key, { format: "aiq", location_id: north.id }))).toEqual([here.id]);
    expect(ids(await list(key, { format: "aiq", location_id: south.id }))).toEqual([]);
  });

  it("when there is no key, then 401; when the key lacks inventory:read, then 403", async () => {
    const merchant = await makeMerchant(db);
    expect((await request(app).get("/v1/inventory")).status).toBe(401);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    const res = await list(key);
    expect(res.status).toBe(403);
    expect(res.body.required_scope).toBe("inventory:read");
  });
});

describe("GET /v1/inventory — invalid requests", () => {
  it("when parameters are wrong or unknown, then 400 listing every one", async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"] });
    const res = await list(key, {
      updated_from: "2026-02-01T00:00:00Z",
      updated_to: "2026-01-01T00:00:00Z",
      location_id: "store-1",
      in_stock: "yes",
      sku: "",
      created_from: "2026-01-01T00:00:00Z",
      limit: 5000,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { location: string }) => e.location).sort()).toEqual(
      [
        "query.created_from",
        "query.in_stock",
        "query.limit",
        "query.location_id",
        "query.sku",
        "query.updated_to",
      ].sort(),
    );
    expect(res.body.errors.find((e: { location: string }) => e.location === "query.created_from").code).toBe(
      "unknown_parameter",
    );
  });

  it(prose`
    when a cursor is reused with another filter or tampered with, then 400 on query.cursor; with another format it
    continues
  `, async () => {
    const merchant = await makeMerchant(db);
    const store = await makeLocation(db, merchant.id);
    for (let i = 0; i < 2; i++)
      await makeInventory(db, {
        merchantId: merchant.id,
        locationId: store.id,
        productId: (await makeProduct(db, merchant.id)).id,
      });
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"] });
    const page = await list(key, { limit: 1 });
    const cursor: string = page.body.next_cursor;
    // The signed part changed: the signature no longer matches.
    const tampered = (cursor[0] === "e" ? "f" : "e") + cursor.slice(1);

    const attempts: Record<string, string>[] = [{ in_stock: "true" }, { location_id: store.id }, {}];
    for (const query of attempts) {
      const res = await list(key, { limit: 1, ...query, cursor: Object.keys(query).length ? cursor : tampered });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ location: "query.cursor", code: "invalid_cursor" });
    }
    const atStore = await list(key, { limit: 1, location_id: store.id });
    const aiq = await list(key, { limit: 1, location_id: store.id, format: "aiq", cursor: atStore.body.next_cursor });
    expect(aiq.status).toBe(200);
    expect(aiq.body.data).toHaveLength(1);
    expect(aiq.body.data[0].id).not.toBe(atStore.body.data[0].id);
  });
});
