// The NDJSON export of transactions reads each receipt's kept lines (transactions.json_lines, migration
// 20261205110000_transaction_json_lines) and fills in each line's product and stock from maps loaded at its start
// (src/export/kept-lines.ts); above EXPORT_KEPT_LINES_MAX_ROWS it renders the lines in SQL as the pages do. Either
// way its records must be byte for byte the pages' own, and the kept text must follow every write in its transaction.
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/config/env.js";
import { walkOf } from "../../src/db/paging.js";
import { run } from "../../src/db/sql.js";
import { Tenant } from "../../src/db/tenant.js";
import { KEPT_LINES_FIRST_BATCH, keptLinesExportPlan, transactionExportQuery } from "../../src/export/transactions.js";
import { MAX_LIMIT } from "../../src/lib/paging.js";
import { prose } from "../../src/lib/prose.js";
import { seedDatabase } from "../../src/seed/index.js";
import { transactionListing } from "../../src/transactions/list-query.js";
import { KEPT_LINES_PAGE } from "../../src/transactions/read.js";
import { MAX_LINES } from "../../src/transactions/write-schemas.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant, makeProduct } from "../helpers/factories.js";
import { staleKeptLines } from "../helpers/kept-lines.js";
import { appOver } from "../security/apps.js";
import { as, saleLine } from "../writes/helpers.js";
import { call, listen, parseNdjson } from "./http.js";

const db = await createTestDb();
const ENV = { RATE_LIMIT_PER_MINUTE: "10000", RATE_LIMIT_HEAVY_PER_MINUTE: "1000" };
const app = appOver(db, { env: ENV });
const base = await listen(app);
// Maps of more than one row refused: every export of this app renders its lines in SQL.
const fallbackBase = await listen(appOver(db, { env: { ...ENV, EXPORT_KEPT_LINES_MAX_ROWS: "1" } }));

/** SKUs that JSON must escape, a marker's bytes, digits and colons (the marker's length prefix), any Unicode. */
const AWKWARD_SKUS = ['Q"uote\\back', "12:3\u0001u\u0002:", "ünï 🌿 \u2028", "tab\tline\nbreak\r\u001f"];

async function expectKeptTextFresh() {
  expect(await staleKeptLines(db.pool)).toEqual([]);
}

/** The records as the page statement renders them in SQL (lines and all), one line each. */
async function renderedBySql(merchantId: string): Promise<string[]> {
  const walk = walkOf(transactionListing, new Tenant(merchantId), {}, { format: "standard", oneLine: true });
  const rows = await run(db.pool, walk.statement({ after: null, upper: "2999-01-01T00:00:00.000000Z", take: 5000 }));
  return rows.map((row) => row.record);
}

/**
 * Every record of the key's merchant as GET /v1/transactions sends them (the body holds each record's text): pages of
 * `limit`, at or above KEPT_LINES_PAGE read from the kept lines and filled in (transactions/read.ts), below rendered
 * in SQL.
 */
async function pagesOf(key: string, limit: number): Promise<string> {
  let body = "";
  let cursor: string | undefined;
  do {
    const answer = await call(base, "/v1/transactions", key, { limit, ...(cursor ? { cursor } : {}) });
    expect(answer.status).toBe(200);
    body += answer.text;
    const page = JSON.parse(answer.text) as { has_more: boolean; next_cursor: string };
    cursor = page.has_more ? page.next_cursor : undefined;
  } while (cursor);
  return body;
}

/** The records of a tenant as the pages' statement renders them in SQL, lines and all. */
async function pageRecordsBySql(tenant: Tenant) {
  return run(
    db.pool,
    walkOf(transactionListing, tenant, {}, { format: "standard", oneLine: false }).statement({
      after: null,
      upper: "2999-01-01T00:00:00.000000Z",
      take: 5000,
    }),
  );
}

/** A page of the key's (its stores' records) read from the kept lines holds each record exactly as SQL renders it. */
async function expectPagesAreTheSql(key: string, tenant: Tenant, receipts: number) {
  const bySql = await pageRecordsBySql(tenant);
  expect(bySql).toHaveLength(receipts);
  for (const limit of new Set([MAX_LIMIT, KEPT_LINES_PAGE, KEPT_LINES_PAGE - 1, 100])) {
    const pages = await pagesOf(key, limit);
    for (const row of bySql) expect(pages.includes(row.record), `page of ${limit}: bytes of ${row.id}`).toBe(true);
  }
}

async function exportedLines(at: string, key: string): Promise<string[]> {
  const answer = await call(at, "/v1/export/transactions", key, { format: "ndjson" });
  expect(answer.status, answer.text).toBe(200);
  expect(parseNdjson(answer.text).end).toMatchObject({ has_more: false });
  return answer.text.split("\n").filter((line) => line.length > 0 && !line.startsWith('{"export":'));
}

/** The export, with the maps and without, is byte for byte the SQL's records and the pages'. */
async function expectExportIsThePages(merchantId: string, key: string, receipts: number) {
  const bySql = await renderedBySql(merchantId);
  expect(bySql).toHaveLength(receipts);
  const spliced = await exportedLines(base, key);
  expect(spliced).toEqual(bySql);
  expect(await exportedLines(fallbackBase, key)).toEqual(bySql);
  await expectPagesAreTheSql(key, new Tenant(merchantId), receipts);
  const pageRecords = await pageRecordsBySql(new Tenant(merchantId));
  for (const [index, row] of pageRecords.entries()) {
    // An NDJSON line is the page's record without json_agg's line breaks (the only raw ones in it).
    expect(spliced[index]).toBe(row.record.replaceAll("\n", ""));
  }
  return spliced;
}

describe("the transactions' NDJSON export from the kept lines", () => {
  it(prose`
    when receipts hold unlinked SKUs later given a product, a deleted product, deleted, absent and changed stock,
    lines replaced by a PUT, a void and a refund, awkward SKUs and the most lines a receipt takes, then the kept text
    follows every write and the export is byte for byte the pages' records, with the maps and without them
  `, async () => {
    const merchant = await makeMerchant(db);
    const store = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
    const other = await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, {
      scopes: ["pos:write", "transactions:read", "inventory:read"],
    });
    const client = as(app, key);
    const stockOf = (location: { id: string }, sku: string, quantity: number | string) => ({
      location_id: location.id,
      sku,
      name: `Product ${sku}`,
      quantity,
      unit_cost: "2.5",
      sale_price: 10,
    });
    // Stock at the store: P1 (kept), P2 (to be deleted), each awkward SKU at the other store only.
    const stocked = await client.put("/v1/inventory", {
      items: [
        stockOf(store, "P1", 25),
        stockOf(store, "P2", "3.5"),
        ...AWKWARD_SKUS.map((sku, index) => stockOf(other, sku, index)),
      ],
    });
    expect(stocked.status, JSON.stringify(stocked.body)).toBe(200);
    // P3: a product without stock anywhere; GONE: a product to be deleted (its lines' product_id set null).
    await makeProduct(db, merchant.id, { sku: "P3" });
    const gone = await makeProduct(db, merchant.id, { sku: "GONE" });
    await expectKeptTextFresh();

    const line = (sku: string, overrides: Record<string, unknown> = {}) =>
      saleLine({ sku, name: `Line ${sku}`, ...overrides });
    const receipt = (location: { id: string }, lines: unknown[], overrides: Record<string, unknown> = {}) => ({
      location_id: location.id,
      transacted_at: "2026-03-01T18:30:00-07:00",
      lines,
      ...overrides,
    });
    const put = async (posId: string, body: unknown, status = 201) => {
      const answer = await client.put(`/v1/transactions/${encodeURIComponent(posId)}`, body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      await expectKeptTextFresh();
    };
    await put(
      "S-1",
      receipt(store, [
        line("P1"),
        line("P2"),
        line("P3"),
        line("LATER"),
        line("GONE"),
        ...AWKWARD_SKUS.map((s) => line(s)),
      ]),
    );
    await put("S-2", receipt(other, [...AWKWARD_SKUS.map((s) => line(s)), line("P1")]));
    await put("S-3", receipt(store, [line("P1"), line("P2"), line("LATER")]));
    // Lines replaced: fewer, other SKUs.
    await put("S-3", receipt(store, [line(AWKWARD_SKUS[1]!, { quantity: 1 })]), 200);
    await put("S-4", receipt(store, [line("P1")]));
    const voided = await client.post("/v1/transactions/S-4/void", {});
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    await expectKeptTextFresh();
    await put(
      "RF-1",
      receipt(store, [line("P1", { quantity: -1, discount: "-2.50", tax: "-2.44" })], {
        original_pos_id: "S-1",
        transacted_at: "2026-03-02T12:00:00-07:00",
      }),
    );
    const most = Array.from({ length: MAX_LINES }, (_, index) =>
      line([...AWKWARD_SKUS, "P1", "P2", "LATER", `ONLY-${index}`][index % 8]!, { quantity: 1 + (index % 3) }),
    );
    await put("MAX", receipt(store, most));

    const batch = await client.post("/v1/transactions/batch", {
      receipts: [
        { pos_id: "B-1", ...receipt(store, [line("P1"), line("LATER")]) },
        { pos_id: "B-2", ...receipt(other, [line(AWKWARD_SKUS[0]!), line("P3")]) },
        { pos_id: "S-2", ...receipt(other, [line("P2"), line(AWKWARD_SKUS[2]!)]) },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.summary).toEqual({ created: 2, updated: 1, unchanged: 0, error: 0 });
    await expectKeptTextFresh();
    const before = await expectExportIsThePages(merchant.id, key, 8);

    // LATER gets a product (its earlier lines are linked to it), P1's stock changes, P2's stock is deleted, GONE's
    // product is deleted (its lines' product_id set null): the records change without a change time of theirs.
    const times = async () =>
      (
        await db.pool.query<{ t: string }>(
          "SELECT updated_at::text AS t FROM transactions WHERE merchant_id = $1 ORDER BY id",
          [merchant.id],
        )
      ).rows;
    const timesBefore = await times();
    const later = await client.put("/v1/inventory", {
      items: [stockOf(store, "LATER", 7), stockOf(store, "P1", "1.250")],
    });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
    await expectKeptTextFresh();
    await db.pool.query(
      "UPDATE inventory_items SET deleted_at = now() WHERE product_id = (SELECT id FROM products WHERE merchant_id = " +
        "$1 AND sku = 'P2')",
      [merchant.id],
    );
    const linkedToGone = await db.pool.query("SELECT 1 FROM line_items WHERE product_id = $1", [gone.id]);
    expect(linkedToGone.rowCount).toBeGreaterThan(0);
    await db.pool.query("DELETE FROM products WHERE id = $1", [gone.id]);
    await expectKeptTextFresh();
    expect(await times()).toEqual(timesBefore);

    const after = await expectExportIsThePages(merchant.id, key, 8);
    // A key of one store: its pages look up that store's stock only, and read its receipts alone.
    const { key: storeKey } = await makeKey(db, merchant.id, {
      scopes: ["transactions:read"],
      locationIds: [store.id],
    });
    await expectPagesAreTheSql(storeKey, new Tenant(merchant.id, [store.id]), 6);
    expect(after).not.toEqual(before);
    const records = after.map((text) => JSON.parse(text) as Record<string, any>);
    const s1 = records.find((record) => record.pos_id === "S-1")!;
    const bySku = Object.fromEntries(s1.line_items.map((l: Record<string, any>) => [l.sku, l]));
    expect(bySku.P1).toMatchObject({ product_id: expect.any(String), stock_on_hand: "1.250" });
    expect(bySku.P2).toMatchObject({ product_id: expect.any(String), stock_on_hand: null });
    expect(bySku.P3).toMatchObject({ product_id: expect.any(String), stock_on_hand: null });
    expect(bySku.LATER).toMatchObject({ product_id: expect.any(String), stock_on_hand: "7.000" });
    expect(bySku.GONE).toMatchObject({ product_id: null, stock_on_hand: null });
    // The awkward SKUs (lines 6 to 9; the API may trim them) have stock at the other store only.
    expect(s1.line_items.slice(5).map((l: Record<string, any>) => [l.product_id !== null, l.stock_on_hand])).toEqual(
      AWKWARD_SKUS.map(() => [true, null]),
    );
    const s2 = records.find((record) => record.pos_id === "S-2")!;
    expect(s2.line_items.map((l: Record<string, any>) => [l.product_id !== null, l.stock_on_hand])).toEqual([
      [true, null],
      [true, "2.000"],
    ]);
    expect(records.find((record) => record.pos_id === "MAX")!.line_items).toHaveLength(MAX_LINES);
    expect(records.find((record) => record.pos_id === "S-4")!.status).toBe("voided");
    expect(records.find((record) => record.pos_id === "RF-1")!.kind).toBe("refund");
  });

  it(prose`
    when the seeder writes receipts and lines by COPY, then their kept text is there and the export is byte for byte
    the pages' records
  `, async () => {
    const [seeded] = (
      await seedDatabase(db.pool, {
        seed: 5,
        merchants: 1,
        locationsPerMerchant: 2,
        customersPerMerchant: 20,
        productsPerMerchant: 30,
        transactionsPerMerchant: 150,
        employeesPerLocation: 1,
        months: 1,
      })
    ).merchantsCreated;
    await expectKeptTextFresh();
    const { key } = await makeKey(db, seeded!.id, { scopes: ["transactions:read"] });
    const receipts = await db.pool.query("SELECT 1 FROM transactions WHERE merchant_id = $1", [seeded!.id]);
    expect(receipts.rowCount).toBeGreaterThan(100);
    await expectExportIsThePages(seeded!.id, key, receipts.rowCount!);
  });

  it(prose`
    when the maps would hold more rows than EXPORT_KEPT_LINES_MAX_ROWS, the export is CSV or the aiq shape, or its
    max_records one batch at most, then its plan renders the lines in SQL; otherwise NDJSON of our shape fills them in
    from the maps
  `, async () => {
    const merchant = await makeMerchant(db);
    const location = await makeLocation(db, merchant.id);
    await makeProduct(db, merchant.id);
    await makeProduct(db, merchant.id);
    const auth = { merchantId: merchant.id, locationIds: null } as Parameters<typeof keptLinesExportPlan>[0];
    const planOf = (most: number, format: "ndjson" | "csv", shape: "standard" | "aiq", maxRecords?: number) =>
      keptLinesExportPlan(auth, transactionExportQuery.parse({ shape, max_records: maxRecords }), {
        format,
        db,
        config: parseEnv({ NODE_ENV: "test", DATABASE_URL: db.url, EXPORT_KEPT_LINES_MAX_ROWS: String(most) }),
      });
    const spliced = async (...args: Parameters<typeof planOf>) => Boolean((await planOf(...args)).passthrough?.splice);
    expect(await spliced(2, "ndjson", "standard")).toBe(true);
    expect(await spliced(1, "ndjson", "standard")).toBe(false);
    expect(await spliced(0, "ndjson", "standard")).toBe(false);
    expect(await spliced(100, "csv", "standard")).toBe(false);
    expect(await spliced(100, "ndjson", "aiq")).toBe(false);
    expect(await spliced(100, "ndjson", "standard", KEPT_LINES_FIRST_BATCH)).toBe(false);
    expect(await spliced(100, "ndjson", "standard", KEPT_LINES_FIRST_BATCH + 1)).toBe(true);
    // Stock rows count too: two products and one stock row are three.
    const [product] = await db.prisma.product.findMany({ where: { merchantId: merchant.id } });
    await db.prisma.inventoryItem.create({
      data: { merchantId: merchant.id, locationId: location.id, productId: product!.id, quantity: "1" },
    });
    expect(await spliced(2, "ndjson", "standard")).toBe(false);
    expect(await spliced(3, "ndjson", "standard")).toBe(true);
  });
});
