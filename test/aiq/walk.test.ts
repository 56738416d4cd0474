// Every format=aiq record of a seeded merchant (the demo's seeder, small counts), checked against
// JSON Schemas of AIQ's push bodies written from AIQ's guide (docs/aiq/*.schema.json): no nulls, no
// field beyond the guide's without a reason in the README, AIQ's types, at most 100 inventory items
// per page; and the shape=aiq exports serve the same records.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { FormatsPlugin } from "ajv-formats";
import * as ajvFormats from "ajv-formats";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { DEMO_SEED_OPTIONS, seedDatabase } from "../../src/seed/index.js";
import { call, listen, parseNdjson } from "../export/http.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey } from "../helpers/factories.js";

// ajv-formats is CommonJS: under NodeNext its plugin is the namespace's `default`.
const addFormats = (ajvFormats as unknown as { default: FormatsPlugin }).default;

type Json = Record<string, any>;
const schemaOf = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../docs/aiq/${name}.schema.json`, import.meta.url), "utf8"));
const schemas = { visit: schemaOf("visit"), customer: schemaOf("customer"), item: schemaOf("inventory-item") };
// strictRequired off: the customer schema says "member or deleted_at" with required inside oneOf branches.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
addFormats(ajv);
const validators = {
  visit: ajv.compile(schemas.visit),
  customer: ajv.compile(schemas.customer),
  item: ajv.compile(schemas.item),
};

/** Each record's schema problems, with the record's id, so a failure names what to look at. */
function problems(kind: keyof typeof validators, records: Json[]): string[] {
  const validate = validators[kind];
  return records.flatMap((record) => {
    const valid: boolean = validate(record);
    return valid
      ? []
      : (validate.errors ?? []).map(
          (e) => `${kind} ${record.id}: ${e.instancePath || "(record)"} ${e.message} ${JSON.stringify(e.params)}`,
        );
  });
}

const { app, db } = await createTestApp();
const base = await listen(app);
const now = new Date("2026-11-01T12:00:00Z");
const summary = await seedDatabase(db.pool, {
  ...DEMO_SEED_OPTIONS,
  transactionsPerMerchant: 1_500,
  customersPerMerchant: 200,
  productsPerMerchant: 150,
  now,
});
const merchantId = summary.merchantsCreated[0]!.id;
const { key } = await makeKey(db, merchantId);
// What the seeder does not make: deleted receipts (a sale and a refund) and a deleted customer.
await db.pool.query(
  `UPDATE transactions SET deleted_at = now()
    WHERE id IN (SELECT id FROM transactions WHERE merchant_id = $1 AND status = 'completed' AND kind = 'sale'
      ORDER BY pos_id LIMIT 1)
       OR id IN (SELECT id FROM transactions WHERE merchant_id = $1 AND kind = 'refund' ORDER BY pos_id LIMIT 1)`,
  [merchantId],
);
await db.pool.query(
  `UPDATE customers SET deleted_at = now()
    WHERE id = (SELECT id FROM customers WHERE merchant_id = $1 ORDER BY pos_user LIMIT 1)`,
  [merchantId],
);

/** Every record of a list, page by page with next_cursor; each page's size is recorded. */
async function walk(
  path: string,
  query: Record<string, string | number>,
): Promise<{ records: Json[]; pageSizes: number[] }> {
  const records: Json[] = [];
  const pageSizes: number[] = [];
  let cursor: string | undefined;
  for (;;) {
    const res = await request(app)
      .get(path)
      .query(cursor ? { ...query, cursor } : query)
      .set("x-apikey", key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    records.push(...res.body.data);
    pageSizes.push(res.body.data.length);
    if (!res.body.has_more) return { records, pageSizes };
    cursor = res.body.next_cursor;
  }
}

async function exported(path: string, query: Record<string, string> = {}): Promise<Json[]> {
  const answer = await call(base, path, key, { shape: "aiq", ...query });
  expect(answer.status, answer.text).toBe(200);
  return parseNdjson(answer.text).records;
}

const byId = (records: Json[]) => new Map(records.map((r) => [r.id as string, r]));
const { rows: stores } = await db.pool.query<{ id: string }>(
  "SELECT id FROM locations WHERE merchant_id = $1 ORDER BY pos_id",
  [merchantId],
);

describe("every format=aiq record of a seeded merchant against AIQ's bodies (docs/aiq/*.schema.json)", () => {
  it(prose`
    when every transaction is walked as AIQ visits, then each is a valid createUpdateSale visit, voids, refunds,
    deletions and anonymous sales included
  `, async () => {
    const { records } = await walk("/v1/transactions", { format: "aiq", limit: 1000 });
    expect(records).toHaveLength(summary.transactions);
    expect(problems("visit", records)).toEqual([]);
    // The walk covered every case the issue names.
    expect(records.filter((v) => v.status === "voided").length).toBeGreaterThan(0);
    expect(records.filter((v) => v.deleted === true)).toHaveLength(2);
    expect(records.filter((v) => v.type === "refund").length).toBeGreaterThan(0);
    expect(records.filter((v) => v.pos_user === undefined).length).toBeGreaterThan(0);
    // A void or a deletion counts for nothing in AIQ's books.
    for (const cancelled of records.filter((v) => v.status === "voided" || v.deleted)) {
      expect(cancelled.transaction_total).toBe(0);
      expect(
        cancelled.visit_details_attributes.every((l: Json) => l.quantity === 0 && l.discount === 0 && l.tax === 0),
      ).toBe(true);
    }
    expect(byId(await exported("/v1/export/transactions"))).toEqual(byId(records));
  });

  it(prose`
    when every customer is walked as AIQ members, then each is a valid createUpdateMember body, and a deleted one has no
    member
  `, async () => {
    const { records } = await walk("/v1/customers", { format: "aiq", limit: 1000 });
    expect(records).toHaveLength(summary.customers);
    expect(problems("customer", records)).toEqual([]);
    expect(records.filter((c) => c.deleted_at !== undefined).map((c) => c.member)).toEqual([undefined]);
    expect(byId(await exported("/v1/export/customers"))).toEqual(byId(records));
  });

  it(prose`
    when every store's inventory is walked as AIQ items, then each is a valid createUpdateInventory item, pages hold at
    most 100, and no SKU comes twice for a store
  `, async () => {
    const { rows } = await db.pool.query<{ shared: number }>(
      "SELECT count(*)::int AS shared FROM (SELECT product_id FROM inventory_items WHERE merchant_id = $1 GROUP BY " +
        "product_id HAVING count(*) > 1) s",
      [merchantId],
    );
    expect(rows[0]!.shared).toBeGreaterThan(0);
    let total = 0;
    for (const store of stores) {
      const { records, pageSizes } = await walk("/v1/inventory", { format: "aiq", location_id: store.id });
      expect(problems("item", records)).toEqual([]);
      expect(Math.max(...pageSizes)).toBeLessThanOrEqual(100);
      expect(pageSizes.length).toBeGreaterThan(1);
      expect(new Set(records.map((i) => i.sku)).size).toBe(records.length);
      expect(new Set(records.map((i) => i.locationId))).toEqual(new Set([store.id]));
      expect(byId(await exported("/v1/export/inventory", { location_id: store.id }))).toEqual(byId(records));
      total += records.length;
    }
    expect(total).toBe(summary.inventoryItems);
  });

  it("when a field is not in AIQ's guide, then the README's format=aiq section names it (its reason is there)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(
      readme.indexOf("## format=aiq"),
      readme.indexOf("\n## ", readme.indexOf("## format=aiq") + 1),
    );
    const added = (schema: Json): string[] =>
      Object.entries(schema.properties ?? {}).flatMap(([name, property]: [string, any]) => [
        ...(String(property.description).startsWith("Added") ? [name] : []),
        ...added(property.items ?? property),
      ]);
    const names = [...added(schemas.visit), ...added(schemas.customer), ...added(schemas.item)];
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });
});
