// How many times a read waits on PostgreSQL. Every statement node-postgres sends goes through
// Client#query (pool.query included) and waits for its answer before the next, so its calls are the
// round trips. A feed page reads the key, the feed's horizon and the page: the horizon comes with the
// key (src/keys/queries.ts), still before the page's statement (src/lib/sync-feed.ts).
import request from "supertest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { KEPT_LINES_PAGE } from "../../src/transactions/read.js";
import { createTestApp, keyCacheListening } from "../helpers/app.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";
import { statementsOf } from "../helpers/round-trips.js";

const { app, db } = await createTestApp();
await keyCacheListening(db);

afterEach(() => {
  vi.restoreAllMocks();
});

/** A merchant with a sale and a key that has been used once (its last_used_at, written once a minute, is set). */
async function store() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id);
  const transaction = await makeTransaction(db, location);
  await makeCustomer(db, merchant.id);
  const { key, record } = await makeKey(db, merchant.id, { scopes: ["transactions:read", "customers:read"] });
  await db.pool.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [record.id]);
  return { key, transactionId: transaction.id };
}

const get = (path: string, key: string) => request(app).get(path).set("x-apikey", key);

describe("round trips of the reads", () => {
  it(prose`
    when a page of the transactions feed is read, then it takes 2 round trips: the key with the feed's horizon, then
    the page
  `, async () => {
    const { key } = await store();
    const sent = await statementsOf(async () => {
      const res = await get("/v1/transactions?limit=10", key);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
      expect(res.body.complete_through).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    });
    expect(sent, sent.join("\n")).toHaveLength(2);
    expect(sent[0]).toContain('from "api_keys"');
    expect(sent[0]).toContain("pg_stat_activity");
    expect(sent[1]).toContain("WITH page AS");
  });

  it(prose`
    when a page of KEPT_LINES_PAGE records or more is read, then it takes 3 round trips: the key with the feed's
    horizon, the page with its receipts' kept lines, then the products and stock those lines name
  `, async () => {
    const { key } = await store();
    const sent = await statementsOf(async () => {
      const res = await get(`/v1/transactions?limit=${KEPT_LINES_PAGE}`, key);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
    });
    expect(sent, sent.join("\n")).toHaveLength(3);
    expect(sent[0]).toContain("pg_stat_activity");
    expect(sent[1]).toContain("json_lines");
    expect(sent[2]).toContain("inventory_items");
  });

  it(prose`
    when a page of the customers feed is read, then it takes 2 round trips too
  `, async () => {
    const { key } = await store();
    const sent = await statementsOf(async () => {
      const res = await get("/v1/customers?limit=10", key);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
    });
    expect(sent, sent.join("\n")).toHaveLength(2);
    expect(sent[0]).toContain("pg_stat_activity");
  });

  it(prose`
    when one transaction is read with a key not yet kept, then the key lookup does not read the feed's horizon; with
    the key kept, the record is the only round trip
  `, async () => {
    const { key, transactionId } = await store();
    const cold = await statementsOf(async () => {
      const res = await get(`/v1/transactions/${transactionId}`, key);
      expect(res.status).toBe(200);
    });
    expect(cold, cold.join("\n")).toHaveLength(2);
    expect(cold.join("\n")).not.toContain("pg_stat_activity");
    const warm = await statementsOf(async () => {
      const res = await get(`/v1/transactions/${transactionId}`, key);
      expect(res.status).toBe(200);
    });
    expect(warm, warm.join("\n")).toHaveLength(1);
    expect(warm[0]).not.toContain('from "api_keys"');
  });
});
