// Helpers of the write tests: a merchant with a store and keys, and the rows a write left behind.
import request from "supertest";
import type { Db } from "../../src/db/client.js";
import type { Scope } from "../../src/keys/scopes.js";
import type { TestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";

export interface Tenant {
  merchant: { id: string };
  location: { id: string; posId: string; merchantId: string; timeZone: string };
  /** pos:write, contacts:write and the reads. */
  key: string;
  keyId: string;
}

export async function makeTenant(db: Db, options: { timeZone?: string; scopes?: Scope[] } = {}): Promise<Tenant> {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { timeZone: options.timeZone ?? "America/Denver" });
  const { key, record } = await makeKey(db, merchant.id, {
    scopes: options.scopes ?? ["pos:write", "contacts:write", "transactions:read", "customers:read", "inventory:read"],
  });
  return { merchant, location, key, keyId: record.id };
}

/** A request with the key set (supertest sends objects as application/json). */
export function as(app: TestApp["app"], key: string) {
  return {
    get: (path: string) => request(app).get(path).set("x-apikey", key),
    put: (path: string, body: unknown) =>
      request(app)
        .put(path)
        .set("x-apikey", key)
        .send(body as object),
    post: (path: string, body?: unknown) =>
      body === undefined
        ? request(app).post(path).set("x-apikey", key)
        : request(app)
            .post(path)
            .set("x-apikey", key)
            .send(body as object),
    patch: (path: string, body: unknown) =>
      request(app)
        .patch(path)
        .set("x-apikey", key)
        .send(body as object),
  };
}

export async function auditOf(db: Db, merchantId: string) {
  const { rows } = await db.pool.query<{
    action: string;
    entity: string;
    entity_id: string;
    api_key_id: string;
    detail: Record<string, unknown>;
  }>("SELECT action, entity, entity_id, api_key_id, detail FROM audit_entries WHERE merchant_id = $1 ORDER BY id", [
    merchantId,
  ]);
  return rows;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Client = ReturnType<typeof as>;

/** Walks a feed to its end and returns the continuation cursor a caught-up poller holds. */
export async function feedTip(client: Client, path: string): Promise<string> {
  let cursor: string | undefined;
  for (;;) {
    const res = await client.get(cursor ? `${path}?cursor=${encodeURIComponent(cursor)}` : path);
    if (res.status !== 200) throw new Error(`feed answered ${res.status}: ${JSON.stringify(res.body)}`);
    cursor = res.body.next_cursor;
    if (!res.body.has_more) return cursor!;
  }
}

/** What a poller holding `cursor` receives next (every page until caught up). */
export async function pollFrom<T = Record<string, any>>(client: Client, path: string, cursor: string): Promise<T[]> {
  const records: T[] = [];
  for (;;) {
    const res = await client.get(`${path}?cursor=${encodeURIComponent(cursor)}`);
    if (res.status !== 200) throw new Error(`feed answered ${res.status}: ${JSON.stringify(res.body)}`);
    records.push(...res.body.data);
    cursor = res.body.next_cursor;
    if (!res.body.has_more) return records;
  }
}

/** A line as the POS sends it: 2 × 35.00, 5.00 off, 4.88 tax → gross 70.00, line total 69.88. */
export const saleLine = (overrides: Record<string, unknown> = {}) => ({
  sku: "SKU-BD-35",
  name: "Blue Dream 3.5g",
  brand: "Good Farms",
  category: "Flower",
  unit_price: "35.00",
  quantity: 2,
  discount: "5.00",
  tax: "4.88",
  ...overrides,
});

/** A receipt body at the tenant's store (in Denver: 18:30 local on 2026-03-01 is 01:30Z on 03-02). */
export const receiptBody = (t: Tenant, overrides: Record<string, unknown> = {}) => ({
  location_id: t.location.id,
  transacted_at: "2026-03-01T18:30:00-07:00",
  lines: [saleLine()],
  ...overrides,
});

export async function receiptRow(db: Db, merchantId: string, posId: string) {
  const { rows } = await db.pool.query(
    `SELECT t.*, t.subtotal::text AS subtotal, t.total::text AS total, t.cost_total::text AS cost_total,
      to_char(t.business_date, 'YYYY-MM-DD') AS business_day,
            to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_text,
            (SELECT json_agg(json_build_object('id', l.id, 'sku', l.sku, 'quantity', l.quantity::text, 'product_id',
              l.product_id,
                     'unit_cost', l.unit_cost::text, 'line_total', l.line_total::text) ORDER BY l.line_number)
               FROM line_items l WHERE l.transaction_id = t.id) AS lines
       FROM transactions t WHERE t.merchant_id = $1 AND t.pos_id = $2`,
    [merchantId, posId],
  );
  return rows[0] ?? null;
}
