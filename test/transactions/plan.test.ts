// The read path's plans: a page costs what its rows cost, whatever the table sizes and statistics
// (every lookup an index probe, never a hash of a whole table; the page's rows picked by walking the
// axis's index in order), and a warm connection does not plan a page again on every request
// (PostgreSQL keeps a generic plan of the prepared statement). "No statistics" is the state the bench's
// "before ANALYZE" phase makes (bench/statistics.ts): a database never analysed, whose table sizes the
// planner guesses from its files.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { forgetStatistics } from "../../bench/statistics.js";
import { customerListing } from "../../src/customers/read.js";
import { type ListFilters, type Listing, type Window, walkOf } from "../../src/db/paging.js";
import { inlineParameters, pgQuery } from "../../src/db/sql.js";
import { Tenant } from "../../src/db/tenant.js";
import { KEPT_LINES_BATCH } from "../../src/export/transactions.js";
import { inventoryListing } from "../../src/inventory/read.js";
import { prose } from "../../src/lib/prose.js";
import type { RecordFormat } from "../../src/lib/record-format.js";
import { DEMO_SEED_OPTIONS, seedDatabase } from "../../src/seed/index.js";
import { lineStockStatement } from "../../src/transactions/kept-lines.js";
import {
  type TransactionPageRow,
  transactionByIdStatement,
  transactionListing,
} from "../../src/transactions/list-query.js";
import { KEPT_LINES_PAGE, KeptLinesPage } from "../../src/transactions/read.js";
import { createTestDb } from "../helpers/db.js";

const db = await createTestDb();
const summary = await seedDatabase(db.pool, {
  ...DEMO_SEED_OPTIONS,
  transactionsPerMerchant: 3_000,
  customersPerMerchant: 300,
  productsPerMerchant: 150,
  now: new Date("2026-11-01T12:00:00Z"),
});
const merchantId = summary.merchantsCreated[0]!.id;
const tenant = new Tenant(merchantId);
const FAR = "2100-01-01T00:00:00.000000Z";
const TABLES = ["transactions", "line_items", "inventory_items", "customers", "products", "employees", "locations"];

const client = new pg.Client({ connectionString: db.url });
await client.connect();
afterAll(() => client.end());

type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] };
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** A page's statement as the list runs it (a named prepared statement). */
const page = <F extends ListFilters>(
  listing: Listing<F, any, any, any>,
  filters: F,
  window: Window,
  format: RecordFormat = "standard",
  keptLines = false,
) =>
  pgQuery(walkOf(listing, tenant, filters, { format, oneLine: false, keptLines }).statement(window)) as {
    name: string;
    text: string;
    values: unknown[];
  };

/**
 * A page of our own shape as GET /v1/transactions reads it: its records with their kept lines, then the statement
 * that looks up the products and stock they name (transactions/kept-lines.ts).
 */
async function keptPage(window: Window) {
  const records = page(transactionListing, {}, window, "standard", true);
  const kept = new KeptLinesPage(window.take);
  // Unnamed: the prepared statement's own runs are counted by the tests.
  const { rows } = await client.query<TransactionPageRow>({ text: records.text, values: records.values });
  for (const row of rows) kept.add(row.record, row.location_id!);
  expect(kept.needs.empty).toBe(false);
  return {
    records,
    stock: pgQuery(lineStockStatement(tenant, kept.needs)) as { name: string; text: string; values: unknown[] },
  };
}

async function planNodes(query: { text: string; values?: unknown[] }, options = ""): Promise<PlanNode[]> {
  const { rows } = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>({
    text: `EXPLAIN (FORMAT JSON${options}) ${query.text}`,
    values: query.values,
  });
  return nodesOf(rows[0]!["QUERY PLAN"][0].Plan);
}

/** What would make a page's cost follow a table's size instead of its rows. */
const wholeTableWork = (nodes: PlanNode[], smallTables = ["locations", "employees"]) =>
  nodes
    .filter(
      (n) =>
        n["Node Type"].includes("Hash") ||
        (n["Node Type"] === "Seq Scan" && !smallTables.includes(n["Relation Name"]!)),
    )
    .map((n) => `${n["Node Type"]} ${n["Relation Name"] ?? ""}`.trim());

/** What shows a receipt's lines (or their stock) were not read by one ordered probe of their key. */
function unorderedLines(nodes: PlanNode[]): string[] {
  const problems: string[] = [];
  for (const node of nodes) {
    if (node["Node Type"] === "Bitmap Heap Scan" && ["line_items", "inventory_items"].includes(node["Relation Name"]!))
      problems.push(`Bitmap Heap Scan ${node["Relation Name"]}`);
    if (node["Node Type"].endsWith("Sort") && nodesOf(node).some((n) => n["Relation Name"] === "line_items"))
      problems.push(`${node["Node Type"]} of a receipt's lines`);
  }
  return problems;
}

/**
 * What shows a page's rows were not picked by walking the axis's index in order (`index`) and stopping at the page,
 * or a receipt's lines not read by one probe of their (transaction_id, line_number) key in line order.
 */
function unorderedPick(nodes: PlanNode[], index: string): string[] {
  const problems = unorderedLines(nodes);
  const scansReceipts = (node: PlanNode) =>
    node["Index Name"] === index ||
    (node["Node Type"] === "Bitmap Heap Scan" && node["Relation Name"] === "transactions");
  for (const node of nodes) {
    if (node["Node Type"] === "Bitmap Heap Scan" && node["Relation Name"] === "transactions")
      problems.push("Bitmap Heap Scan transactions");
    if (node["Node Type"].endsWith("Sort") && nodesOf(node).some(scansReceipts))
      problems.push(`${node["Node Type"]} of the pick`);
  }
  if (!nodes.some((node) => node["Index Name"] === index && node["Node Type"].startsWith("Index")))
    problems.push(`no walk of ${index}`);
  return problems;
}

const oneRecord = (format: RecordFormat) =>
  pgQuery(transactionByIdStatement(tenant, "00000000-0000-7000-8000-000000000000", format));

const statements = async (format: RecordFormat) => ({
  "page of 250": page(transactionListing, {}, { after: null, upper: FAR, take: 251 }, format),
  ...(format === "standard"
    ? await keptPage({ after: null, upper: FAR, take: 251 }).then(({ records, stock }) => ({
        "page of 250 with its kept lines": records,
        "the stock and products of a page of 250": stock,
      }))
    : {}),
  "page of 100 by business time": page(
    transactionListing,
    { transacted_from: "2020-01-01T00:00:00.000000Z" as never },
    { after: null, upper: null, take: 101 },
    format,
  ),
  "one record": oneRecord(format),
});

describe("read plans", () => {
  it(prose`
    when pages and records are planned with statistics and without, then every lookup is an index probe: no hash, no
    scan of a whole table
  `, async () => {
    const found: string[] = [];
    for (const stats of ["analysed", "no statistics"]) {
      if (stats === "no statistics") await forgetStatistics(db.url);
      for (const format of ["standard", "aiq"] as const) {
        for (const [name, query] of Object.entries(await statements(format))) {
          for (const problem of wholeTableWork(await planNodes(query)))
            found.push(`${stats}, ${format}, ${name}: ${problem}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it(prose`
    when the tables were never analysed, then a page's rows are picked by walking the axis's index in order (no bitmap
    scan of the merchant's later receipts, no sort of them) and each receipt's lines read in line order by their key,
    as a prepared statement's generic and custom plans and as an export's COPY batch with its values written in
  `, async () => {
    const { rows: middle } = await client.query<{ at: string; id: string }>(
      `SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
        id FROM transactions WHERE merchant_id = $1 ORDER BY updated_at, id OFFSET 1000 LIMIT 1`,
      [merchantId],
    );
    const after: [string, string] = [middle[0]!.at, middle[0]!.id];
    const windows = {
      "page of 1,000": { filters: {}, window: { after: null, upper: FAR, take: 1001 }, index: "updated_at" },
      "page of 1,000 after a cursor": { filters: {}, window: { after, upper: FAR, take: 1001 }, index: "updated_at" },
      "page of 100 after a cursor": { filters: {}, window: { after, upper: FAR, take: 101 }, index: "updated_at" },
      // The export's later batches of our own shape (export/transactions.ts): a pick five times a page's.
      "batch of KEPT_LINES_BATCH after a cursor": {
        filters: {},
        window: { after, upper: FAR, take: KEPT_LINES_BATCH + 1 },
        index: "updated_at",
      },
      "page of 1,000 by business time": {
        filters: { transacted_from: "2020-01-01T00:00:00.000000Z" as never },
        window: { after: null, upper: null, take: 1001 },
        index: "transacted_at",
      },
    };
    await forgetStatistics(db.url);
    const found: string[] = [];
    for (const [name, { filters, window, index }] of Object.entries(windows)) {
      const walk = (oneLine: boolean) =>
        walkOf(transactionListing, tenant, filters, { format: "standard", oneLine }).statement(window);
      const query = pgQuery(walk(false)) as { text: string; values: unknown[] };
      const plans = {
        generic: await planNodes({ text: query.text }, ", GENERIC_PLAN"),
        custom: await planNodes(query),
        "export batch": await planNodes({ text: inlineParameters(walk(true).compiled) }),
      };
      for (const [plan, nodes] of Object.entries(plans))
        for (const problem of unorderedPick(nodes, `transactions_merchant_id_${index}_id_idx`))
          found.push(`${name}, ${plan}: ${problem}`);
    }
    expect(found).toEqual([]);
  });

  it(prose`
    when line_items was never analysed and holds millions of lines (big's 3.1M), then each receipt's lines are still
    read in line order by one probe of their key, in both shapes: a page's generic and custom plans, an export batch
    and one record
  `, async () => {
    await forgetStatistics(db.url);
    // A table never analysed is sized from its files: this one's pages are given big's count of lines (still no
    // column statistics), so the planner guesses a receipt's lines as it does on big's 3.1M, where it read them by
    // a bitmap scan and a sort (the two all-covering ranges that steered it on smaller tables did not hold there).
    await client.query(
      `UPDATE pg_class SET reltuples = 3104166, relpages = greatest(pg_relation_size(oid) / 8192, 1)
       WHERE oid = 'line_items'::regclass
         OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'line_items'::regclass)`,
    );
    const found: string[] = [];
    for (const format of ["standard", "aiq"] as const) {
      const walk = (oneLine: boolean) =>
        walkOf(transactionListing, tenant, {}, { format, oneLine }).statement({ after: null, upper: FAR, take: 1001 });
      const query = pgQuery(walk(false)) as { text: string; values: unknown[] };
      const plans = {
        "page of 1,000, generic": await planNodes({ text: query.text }, ", GENERIC_PLAN"),
        "page of 1,000, custom": await planNodes(query),
        "export batch": await planNodes({ text: inlineParameters(walk(true).compiled) }),
        "one record": await planNodes(oneRecord(format)),
      };
      for (const [plan, nodes] of Object.entries(plans)) {
        if (!nodes.some((n) => n["Index Name"] === "line_items_transaction_id_line_number_key"))
          found.push(`${format}, ${plan}: no probe of the lines' key`);
        for (const problem of unorderedLines(nodes)) found.push(`${format}, ${plan}: ${problem}`);
      }
    }
    expect(found).toEqual([]);
  });

  it(prose`
    when the same page and the same empty poll run again and again on one connection, then PostgreSQL reuses a generic
    plan instead of planning each request
  `, async () => {
    await client.query(`ANALYZE ${TABLES.join(", ")}`);
    const { rows: last } = await client.query<{ at: string; id: string }>(
      `SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
        id FROM transactions WHERE merchant_id = $1 ORDER BY updated_at DESC, id DESC LIMIT 1`,
      [merchantId],
    );
    const ours = await keptPage({ after: null, upper: FAR, take: KEPT_LINES_PAGE + 1 });
    const pages = {
      page: page(transactionListing, {}, { after: null, upper: FAR, take: 101 }, "aiq"),
      poll: page(transactionListing, {}, { after: [last[0]!.at, last[0]!.id], upper: FAR, take: 101 }, "aiq"),
      "large page of our own shape": ours.records,
      "its stock and products": ours.stock,
      "its empty poll": page(
        transactionListing,
        {},
        { after: [last[0]!.at, last[0]!.id], upper: FAR, take: KEPT_LINES_PAGE + 1 },
        "standard",
        true,
      ),
    };
    const runs = 12;
    for (let i = 0; i < runs; i++) for (const query of Object.values(pages)) await client.query(query);
    const names = Object.values(pages).map((query) => query.name);
    const { rows } = await client.query<{ name: string; generic_plans: string; custom_plans: string }>(
      "SELECT name, generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE name = ANY($1) ORDER " +
        "BY array_position($1, name)",
      [names],
    );
    // PostgreSQL's five trial custom plans, then the generic one on every later run.
    expect(rows).toEqual(names.map((name) => ({ name, generic_plans: String(runs - 5), custom_plans: "5" })));
  });

  it(prose`
    when the inventory and customer pages and their empty polls run again and again, then every lookup is an index probe
    and they reuse a generic plan
  `, async () => {
    await client.query(`ANALYZE ${TABLES.join(", ")}`);
    const lastOf = async (table: string) =>
      (
        await client.query<{ at: string; id: string }>(
          `SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
            id FROM ${table} WHERE merchant_id = $1 ORDER BY updated_at DESC, id DESC LIMIT 1`,
          [merchantId],
        )
      ).rows[0]!;
    const [item, customer] = [await lastOf("inventory_items"), await lastOf("customers")];
    const pages = {
      "inventory page": page(inventoryListing, {}, { after: null, upper: FAR, take: 101 }),
      "inventory poll": page(inventoryListing, {}, { after: [item.at, item.id], upper: FAR, take: 101 }),
      "customers page": page(customerListing, {}, { after: null, upper: FAR, take: 101 }),
      "customers poll": page(customerListing, {}, { after: [customer.at, customer.id], upper: FAR, take: 101 }),
    };
    const found: string[] = [];
    // This merchant's few hundred items and customers fit in a few pages: reading them whole to pick
    // the page's rows is the planner's cheapest choice here; what must not be is a hash, or a scan
    // of another table per page (products, transactions for the visit figures).
    for (const [name, query] of Object.entries(pages)) {
      for (const problem of wholeTableWork(await planNodes(query), [
        "locations",
        name.startsWith("inventory") ? "inventory_items" : "customers",
      ]))
        found.push(`${name}: ${problem}`);
    }
    expect(found).toEqual([]);

    const runs = 12;
    for (let i = 0; i < runs; i++) for (const query of Object.values(pages)) await client.query(query);
    const names = Object.values(pages).map((query) => query.name);
    const { rows } = await client.query<{ name: string; generic_plans: string; custom_plans: string }>(
      "SELECT name, generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE name = ANY($1) ORDER " +
        "BY array_position($1, name)",
      [names],
    );
    expect(rows).toEqual(names.map((name) => ({ name, generic_plans: String(runs - 5), custom_plans: "5" })));
  });

  it(prose`
    when a page of our own shape is planned, with statistics and without, then its customers are read by one probe
    each with no cache in front of it
  `, async () => {
    const found: string[] = [];
    for (const stats of ["no statistics", "analysed"]) {
      if (stats === "analysed") await client.query(`ANALYZE ${TABLES.join(", ")}`);
      else await forgetStatistics(db.url);
      const nodes = await planNodes(page(transactionListing, {}, { after: null, upper: FAR, take: 1001 }));
      if (!nodes.some((n) => n["Relation Name"] === "customers")) found.push(`${stats}: no customer probe`);
      // A page's customers rarely repeat: a Memoize in front of their probe missed on ~85% of receipts.
      for (const memoize of nodes.filter((n) => n["Node Type"] === "Memoize"))
        if (nodesOf(memoize).some((n) => n["Relation Name"] === "customers"))
          found.push(`${stats}: customers memoized`);
    }
    expect(found).toEqual([]);
  });
});
