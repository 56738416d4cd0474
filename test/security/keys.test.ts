// The life of an API key, over HTTP: typo, revocation, expiry, rotation with overlap, last use,
// and a key limited to some locations.
import { setTimeout as sleep } from "node:timers/promises";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client.js";
import { hashKey, parseKey } from "../../src/keys/format.js";
import { revokeKey, rotateKey } from "../../src/keys/manage.js";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";
import {
  makeInventory,
  makeKey,
  makeLocation,
  makeMerchant,
  makeProduct,
  makeTransaction,
} from "../helpers/factories.js";
import { appOver } from "./apps.js";

const db = await createTestDb();
const app = appOver(db, { env: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "1000" } });

const prefixOf = (key: string) => key.split("_").slice(0, 3).join("_");
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** The key with the character at `index` replaced by the next one of the alphabet. */
const typo = (key: string, index: number) =>
  key.slice(0, index) + ALPHABET[(ALPHABET.indexOf(key[index]!) + 1) % 62] + key.slice(index + 1);

describe("API keys", () => {
  it(prose`
    when a key is mistyped, then 401 says so — told by its checksum alone, without reading the database
  `, async () => {
    const { key } = await makeKey(db, (await makeMerchant(db)).id);
    // An app whose database is gone: anything that needed a read could not answer 401.
    const closed = createDb({ url: db.url, poolMax: 1 });
    await closed.close();
    const offline = appOver({ ...closed, url: db.url }, { env: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "1000" } });

    const secretStart = prefixOf(key).length + 1;
    const mistyped = await request(offline)
      .get("/v1/transactions")
      .set("x-apikey", typo(key, secretStart + 5));
    expect(mistyped.status).toBe(401);
    expect(mistyped.body.detail).toMatch(/mistyped/);
    expect(mistyped.headers["www-authenticate"]).toMatch(/^Bearer/);
    // The same key, well-formed, does need the database (and fails without it): the 401 above was told without one.
    const wellFormed = await request(offline).get("/v1/transactions").set("x-apikey", key);
    expect(wellFormed.status).toBe(500);

    // Every single-character typo anywhere after the prefix, and every swap of two neighbours, is caught by the
    // checksum.
    for (let i = secretStart; i < key.length; i++) expect(parseKey(typo(key, i)), `typo at ${i}`).toBeNull();
    for (let i = secretStart; i < key.length - 1; i++) {
      if (key[i] === key[i + 1]) continue;
      const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
      expect(parseKey(swapped), `swap at ${i}`).toBeNull();
    }
  });

  it("when a key is made, then it says what it is (pb_<env>_), and only its SHA-256 is stored", async () => {
    const merchant = await makeMerchant(db);
    const { key: live, record } = await makeKey(db, merchant.id, { environment: "live" });
    const { key: test } = await makeKey(db, merchant.id, { environment: "test" });
    expect(live).toMatch(/^pb_live_[0-9A-Za-z]{10}_[0-9A-Za-z]{38}$/);
    expect(test).toMatch(/^pb_test_/);
    const { rows } = await db.pool.query("SELECT * FROM api_keys WHERE id = $1", [record.id]);
    expect(rows[0].hash).toBe(hashKey(live));
    expect(JSON.stringify(rows[0])).not.toContain(live.split("_")[3]);
  });

  it(prose`
    when a key is sent in the query string instead of a header, then it is not accepted (URLs end up in logs and
    proxies)
  `, async () => {
    const { key } = await makeKey(db, (await makeMerchant(db)).id);
    const res = await request(app).get("/v1/transactions").query({ apikey: key });
    expect(res.status).toBe(401);
  });

  it("when a key is revoked, then 401 from then on, saying it was revoked", async () => {
    const { key } = await makeKey(db, (await makeMerchant(db)).id);
    expect((await request(app).get("/v1/transactions").set("x-apikey", key)).status).toBe(200);
    await revokeKey(db, prefixOf(key));
    const res = await request(app).get("/v1/transactions").set("authorization", `Bearer ${key}`);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/revoked/);
  });

  it("when a key's expiry has passed, then 401 saying it expired; before it, the key works", async () => {
    const merchant = await makeMerchant(db);
    const { key: expired } = await makeKey(db, merchant.id, { expiresAt: new Date(Date.now() - 1000) });
    const { key: current } = await makeKey(db, merchant.id, { expiresAt: new Date(Date.now() + 3_600_000) });
    const res = await request(app).get("/v1/whoami").set("x-apikey", expired);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/expired/);
    expect((await request(app).get("/v1/whoami").set("x-apikey", current)).status).toBe(200);
  });

  it(prose`
    when a key is rotated with an overlap, then old and new both work until the old one's end, then only the new one
  `, async () => {
    const merchant = await makeMerchant(db);
    const store = await makeLocation(db, merchant.id);
    const { key: old } = await makeKey(db, merchant.id, { scopes: ["transactions:read"], locationIds: [store.id] });
    const { key: fresh, record, oldExpiresAt } = await rotateKey(db, prefixOf(old), 2_000);
    expect(record.scopes).toEqual(["transactions:read"]);
    expect(record.location_ids).toEqual([store.id]);

    for (const key of [old, fresh])
      expect((await request(app).get("/v1/transactions").set("x-apikey", key)).status).toBe(200);

    await sleep(Math.max(0, oldExpiresAt.getTime() - Date.now()) + 50);
    const after = await request(app).get("/v1/transactions").set("x-apikey", old);
    expect(after.status).toBe(401);
    expect(after.body.detail).toMatch(/expired/);
    expect((await request(app).get("/v1/transactions").set("x-apikey", fresh)).status).toBe(200);
  });

  it("when a key is used, then its last use is recorded (at most once a minute, so reads stay reads)", async () => {
    const { key, record } = await makeKey(db, (await makeMerchant(db)).id);
    expect(record.last_used_at).toBeNull();
    const before = Date.now();
    await request(app).get("/v1/whoami").set("x-apikey", key);
    let lastUsed: Date | null = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      lastUsed = (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: record.id } })).lastUsedAt;
      if (!lastUsed) await sleep(20);
    }
    expect(lastUsed!.getTime()).toBeGreaterThanOrEqual(before - 5);

    await request(app).get("/v1/whoami").set("x-apikey", key);
    await sleep(200);
    const again = (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: record.id } })).lastUsedAt;
    expect(again!.getTime()).toBe(lastUsed!.getTime());
  });

  it(prose`
    when a key is limited to one location, then it never sees another location's transactions or inventory
  `, async () => {
    const merchant = await makeMerchant(db);
    const [mine, other] = [await makeLocation(db, merchant.id), await makeLocation(db, merchant.id)];
    const product = await makeProduct(db, merchant.id);
    const [myStock, otherStock] = [
      await makeInventory(db, { merchantId: merchant.id, locationId: mine.id, productId: product.id }),
      await makeInventory(db, { merchantId: merchant.id, locationId: other.id, productId: product.id }),
    ];
    const [mySale, otherSale] = [await makeTransaction(db, mine), await makeTransaction(db, other)];
    const { key } = await makeKey(db, merchant.id, {
      scopes: ["transactions:read", "inventory:read"],
      locationIds: [mine.id],
    });
    const get = (path: string, query: Record<string, string> = {}) =>
      request(app).get(path).set("x-apikey", key).query(query);

    const feed = await get("/v1/transactions");
    expect(feed.body.data.map((t: { id: string }) => t.id)).toEqual([mySale.id]);
    const backfill = await get("/v1/transactions", { transacted_from: "2000-01-01T00:00:00Z" });
    expect(backfill.body.data.map((t: { id: string }) => t.id)).toEqual([mySale.id]);
    expect((await get(`/v1/transactions/${mySale.id}`)).status).toBe(200);
    const theirs = await get(`/v1/transactions/${otherSale.id}`);
    expect(theirs.status).toBe(404);

    const stock = await get("/v1/inventory");
    expect(stock.body.data.map((i: { id: string }) => i.id)).toEqual([myStock.id]);
    const asked = await get("/v1/inventory", { location_id: other.id });
    expect(JSON.stringify(asked.body)).not.toContain(otherStock.id);

    const locations = await get("/v1/locations");
    expect(locations.body.data.map((l: { id: string }) => l.id)).toEqual([mine.id]);
  });
});
