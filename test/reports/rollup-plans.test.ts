// The report refresh's plans: rebuilding a store-day reads that day's rows, whatever the table sizes
// or statistics. A database whose tables were never analysed (a new deployment, a merchant just
// loaded) is made the way the bench makes it (bench/statistics.ts: no pg_statistic, reltuples
// "never analysed", autovacuum off), then one store-day is rebuilt with auto_explain reporting every
// statement of refresh_report_rollups() and the rows each plan node read; a month's customers report
// reads its rollup rows only; the inventory report reads the items alone, from its index, never sorted; a
// refresh reads the marks of its range only, in the generic plan a connection may switch to as well; a month's
// sales by product over every store sums a row per product, not one per store and product; a year's sales by month
// reads each rollup row once and sorts none of them, analysed or not.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { forgetStatistics } from "../../bench/statistics.js";
import { Tenant } from "../../src/db/tenant.js";
import { prose } from "../../src/lib/prose.js";
import { readCustomersReport } from "../../src/reports/customers/sql.js";
import { readInventoryReport } from "../../src/reports/inventory/sql.js";
import { readSalesReport } from "../../src/reports/sales/sql.js";
import { DEMO_SEED_OPTIONS, seedDatabase } from "../../src/seed/index.js";
import { autoExplained, nodesOf } from "../helpers/auto-explain.js";
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

const client = new pg.Client({ connectionString: db.url });
await client.connect();
afterAll(() => client.end());

/** The customers report of October (the seed's last full month) over every store, by day. */
const october = {
  tenant: new Tenant(merchantId),
  from: "2026-10-01",
  to: "2026-11-01",
  period: "day" as const,
  locationIds: null,
  top: 10,
};

/**
 * Every plan node of the statements `work` ran on the client, as auto_explain reported them (JSON, actual rows);
 * `settings` are SET LOCAL for the work too.
 */
const explained = async (work: (db: pg.Client) => Promise<unknown>, settings: string[] = []) =>
  (await autoExplained(client, work, settings)).flatMap(nodesOf);

type StoreDay = { location_id: string; business_date: string; n: number };

/** The store-day with the most receipts (`n`). */
async function busiestStoreDay(): Promise<StoreDay> {
  const { rows } = await db.pool.query<StoreDay>(
    `SELECT location_id, business_date::text, count(*)::int AS n FROM transactions WHERE merchant_id = $1
     GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`,
    [merchantId],
  );
  return rows[0]!;
}

/** A write's mark on the store-day: the next refresh rebuilds it. */
const markStale = (day: StoreDay) =>
  db.pool.query("INSERT INTO report_rollup_stale (merchant_id, location_id, business_date) VALUES ($1, $2, $3)", [
    merchantId,
    day.location_id,
    day.business_date,
  ]);

describe("report refresh plans", () => {
  it(prose`
    when the tables were never analysed, then rebuilding one store-day reads only that day's rows (no scan of the
    merchant's history)
  `, async () => {
    // The seed's rollups built, and the marks they consumed gone for good (not left as dead index entries).
    await db.pool.query("SELECT refresh_report_rollups($1, NULL, NULL, 1000000)", [merchantId]);
    await db.pool.query("VACUUM report_rollup_stale");
    await forgetStatistics(db.url);
    const day = await busiestStoreDay();
    await markStale(day);

    const nodes = await explained((c) => c.query("SELECT refresh_report_rollups($1, NULL, NULL, 100)", [merchantId]));

    expect(nodes.some((n) => n["Relation Name"] === "transactions")).toBe(true);
    // A day's receipts, their lines and rollup rows are a few dozen; the merchant's history is 3,000
    // receipts (about 9,000 lines). A node reading more than 500 rows (all its loops together) reads
    // beyond the rebuilt day.
    const wide = nodes
      .filter((n) => (n["Actual Rows"] ?? 0) * (n["Actual Loops"] ?? 1) > 500)
      .map((n) => `${n["Node Type"]} ${n["Index Name"] ?? n["Relation Name"] ?? ""}: ${n["Actual Rows"]} rows`);
    expect(day.n).toBeLessThan(100);
    expect(wide).toEqual([]);
  });

  it(prose`
    when the tables were never analysed and a store-day's customer rows are many more than its receipts give now,
    then rebuilding it compares its rows before with those now in one pass (no row read once per row of the other
    side) and keeps exactly the rows its receipts give
  `, async () => {
    await forgetStatistics(db.url);
    const day = await busiestStoreDay();
    // Rows of 300 customers whose receipts of the day are gone (voided, moved, given to another customer): the
    // rebuild must remove them. A nested loop of one side against the other reads ~300 x the day's customers.
    const gone = 300;
    await db.pool.query(
      `INSERT INTO customer_sales_daily (merchant_id, location_id, business_date, customer_id, receipts, net_cents)
       SELECT $1, $2, $3, gen_random_uuid(), 1, 100 FROM generate_series(1, $4)`,
      [merchantId, day.location_id, day.business_date, gone],
    );
    await markStale(day);

    const nodes = await explained((c) => c.query("SELECT refresh_report_rollups($1, NULL, NULL, 100)", [merchantId]));

    // Every row of the day (before: the day's customers and the 300; now: its receipts' customers) read a few times
    // at most, in all the loops of any node together.
    const bound = 2 * (gone + 2 * day.n);
    const wide = nodes
      .filter((n) => (n["Actual Rows"] ?? 0) * (n["Actual Loops"] ?? 1) > bound)
      .map(
        (n) =>
          `${n["Node Type"]} ${n["Index Name"] ?? n["Relation Name"] ?? n["CTE Name"] ?? ""}: ` +
          `${n["Actual Rows"]} rows x ${n["Actual Loops"]} loops`,
      );
    expect(wide).toEqual([]);
    const dayRows = (from: string) => `SELECT customer_id, receipts::int, net_cents::bigint ${from}
      ORDER BY customer_id NULLS FIRST, receipts, net_cents`;
    const kept = await db.pool.query(
      dayRows("FROM customer_sales_daily WHERE merchant_id = $1 AND location_id = $2 AND business_date = $3"),
      [merchantId, day.location_id, day.business_date],
    );
    const now = await db.pool.query(
      dayRows(`FROM (SELECT customer_id, count(*) FILTER (WHERE kind = 'sale') AS receipts,
        sum(((subtotal - discount_total) * 100)::bigint) AS net_cents FROM transactions
        WHERE merchant_id = $1 AND location_id = $2 AND business_date = $3 AND status = 'completed'
          AND deleted_at IS NULL GROUP BY customer_id) x`),
      [merchantId, day.location_id, day.business_date],
    );
    expect(now.rows.length).toBeGreaterThan(2);
    expect(kept.rows).toEqual(now.rows);
  });

  it(prose`
    when the tables were never analysed, then a month's customers report over every store reads the month's rollup
    rows (a row a day, its top customers), not its receipts or its every buyer
  `, async () => {
    await forgetStatistics(db.url);
    const { rows } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM customer_months WHERE merchant_id = $1 AND month = '2026-10-01'",
      [merchantId],
    );
    expect(rows[0]!.n, "the month's buyers, a top of 10 among them").toBeGreaterThan(60);

    let report: Awaited<ReturnType<typeof readCustomersReport>> | undefined;
    const nodes = await explained(async (c) => {
      report = await readCustomersReport(c, october);
    });

    expect(report).toEqual(await readCustomersReport(db.pool, october, "receipts"));
    expect(nodes.filter((n) => n["Relation Name"] === "transactions")).toEqual([]);
    expect(nodes.some((n) => n["Relation Name"] === "customer_days")).toBe(true);
    // 31 days of rollups, 10 top customers (their names and first purchases): no node reads the month's buyers.
    const wide = nodes
      .filter((n) => (n["Actual Rows"] ?? 0) * (n["Actual Loops"] ?? 1) > 40)
      .map((n) => `${n["Node Type"]} ${n["Index Name"] ?? n["Relation Name"] ?? ""}: ${n["Actual Rows"]} rows`);
    expect(wide).toEqual([]);
  });

  it(prose`
    when the tables were never analysed, then the inventory report reads the merchant's items alone, never a
    products probe per item (each item keeps its product's category and state)
  `, async () => {
    await forgetStatistics(db.url);
    const q = {
      tenant: new Tenant(merchantId),
      groupBy: "location_category" as const,
      lowStockThreshold: "5",
      locationIds: null,
      maxRows: 1000,
    };
    let report: Awaited<ReturnType<typeof readInventoryReport>> | undefined;
    const nodes = await explained(async (c) => {
      report = await readInventoryReport(c, q);
    });
    expect(report!.totals.items).toBeGreaterThan(100);
    expect(nodes.filter((n) => n["Relation Name"] === "products")).toEqual([]);
    expect(nodes.some((n) => n["Relation Name"] === "inventory_items")).toBe(true);
  });

  it(prose`
    when the tables were never analysed, then the inventory report reads the items by store and category from its
    index and groups them as they come, never a sort of them all, for every grouping
  `, async () => {
    await forgetStatistics(db.url);
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM inventory_items
       WHERE merchant_id = $1 AND deleted_at IS NULL AND NOT archived AND product_active`,
      [merchantId],
    );
    const items = rows[0]!.n;
    expect(items, "a few items a store and category, hundreds in all").toBeGreaterThan(100);

    for (const groupBy of ["location_category", "location", "category", "none"] as const) {
      const q = { tenant: new Tenant(merchantId), groupBy, lowStockThreshold: "5", locationIds: null, maxRows: 1000 };
      let report: Awaited<ReturnType<typeof readInventoryReport>> | undefined;
      const nodes = await explained(async (c) => {
        report = await readInventoryReport(c, q);
      });
      expect(report!.totals.items).toBe(items);
      const reads = nodes
        .filter((n) => n["Relation Name"] === "inventory_items")
        .map(
          (n) => `${n["Node Type"].replace("Index Only Scan", "Index Scan")} ${n["Index Name"]}: ${n["Actual Rows"]}`,
        );
      expect(reads, groupBy).toEqual([`Index Scan inventory_items_report_idx: ${items}`]);
      const sorted = nodes.filter((n) => n["Node Type"] === "Sort" && (n["Actual Rows"] ?? 0) >= items);
      expect(sorted, groupBy).toEqual([]);
    }
  });

  it(prose`
    when the customers report covers every store, then it reads the first purchases of its range's new customers
    only, not the store firsts of the merchant's history
  `, async () => {
    await db.pool.query("VACUUM ANALYZE");
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT customer_id FROM transactions
       WHERE merchant_id = $1 AND customer_id IS NOT NULL AND kind = 'sale' AND status = 'completed'
         AND deleted_at IS NULL GROUP BY 1 HAVING min(business_date) >= '2026-10-01') x`,
      [merchantId],
    );
    const newcomers = rows[0]!.n;
    expect(newcomers).toBeGreaterThan(0);
    const { rows: before } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM customer_first_sales WHERE merchant_id = $1 AND first_date < '2026-10-01'",
      [merchantId],
    );

    let report: Awaited<ReturnType<typeof readCustomersReport>> | undefined;
    const nodes = await explained(async (c) => {
      report = await readCustomersReport(c, october);
    });

    expect(report!.totals.new_customers).toBe(newcomers);
    // The history is there to be read (the seed's customers bought before October).
    expect(before[0]!.n).toBeGreaterThan(newcomers);
    expect(nodes.filter((n) => n["Relation Name"] === "customer_first_sales")).toEqual([]);
    const firstPurchases = nodes.filter((n) => n["Relation Name"] === "customer_first_purchases");
    expect(firstPurchases.length).toBeGreaterThan(0);
    for (const n of firstPurchases)
      expect((n["Actual Rows"] ?? 0) * (n["Actual Loops"] ?? 1)).toBeLessThanOrEqual(newcomers + 10);
  });

  it(prose`
    when marks of days after a month wait (today's writes), then a month's report reads the marks of its range
    only, also in the generic plan a connection switches to after five calls (not every mark of the merchant)
  `, async () => {
    await db.pool.query("VACUUM ANALYZE");
    const { rows: stores } = await db.pool.query<{ id: string }>("SELECT id FROM locations WHERE merchant_id = $1", [
      merchantId,
    ]);
    // One mark per writing transaction and store-day: 3,000 writes of the days after the month, none
    // of them in its range, and one write in the month.
    const waiting = 3_000;
    await db.pool.query(
      `INSERT INTO report_rollup_stale (merchant_id, location_id, business_date)
       SELECT $1, ($2::uuid[])[1 + i % cardinality($2::uuid[])], DATE '2026-11-02' + i % 3
         FROM generate_series(1, $3) i`,
      [merchantId, stores.map((s) => s.id), waiting],
    );
    await db.pool.query(
      "INSERT INTO report_rollup_stale (merchant_id, location_id, business_date) VALUES ($1, $2, '2026-10-15')",
      [merchantId, stores[0]!.id],
    );
    await db.pool.query("ANALYZE report_rollup_stale");

    // The plan PostgreSQL may keep after five calls, whichever it picks on its own here.
    const nodes = await explained((c) => readCustomersReport(c, october), ["plan_cache_mode = force_generic_plan"]);

    const marks = nodes.filter((n) => n["Relation Name"] === "report_rollup_stale");
    expect(marks.length).toBeGreaterThan(0);
    const read = marks.map(
      (n) => ((n["Actual Rows"] ?? 0) + (n["Rows Removed by Filter"] ?? 0)) * (n["Actual Loops"] ?? 1),
    );
    // The month's one mark (picked, then found again to be deleted); none of the waiting ones.
    expect(Math.max(...read)).toBeLessThanOrEqual(2);
    const { rows: left } = await db.pool.query<{ inside: number; after: number }>(
      `SELECT count(*) FILTER (WHERE business_date < '2026-11-01')::int AS inside,
              count(*) FILTER (WHERE business_date >= '2026-11-01')::int AS after
       FROM report_rollup_stale WHERE merchant_id = $1`,
      [merchantId],
    );
    expect(left[0]).toEqual({ inside: 0, after: waiting });
    await db.pool.query("DELETE FROM report_rollup_stale WHERE merchant_id = $1", [merchantId]);
  });

  it(prose`
    when a month's sales report by product covers every store, then it sums a row per product and kind (the
    month summed over the stores), not one per store, with the same figures as the stores' rows give
  `, async () => {
    await db.pool.query("VACUUM ANALYZE");
    const { rows: counts } = await db.pool.query<{ products: number; storeProducts: number }>(
      `SELECT count(DISTINCT (group_key, is_sale))::int AS products,
              count(DISTINCT (location_id, group_key, is_sale))::int AS "storeProducts"
       FROM sales_daily_lines WHERE merchant_id = $1 AND dimension = 'product'
         AND business_date >= '2026-10-01' AND business_date < '2026-11-01'`,
      [merchantId],
    );
    const { products, storeProducts } = counts[0]!;
    // The stores sell many of the same products: the store rows are far more than the products.
    expect(storeProducts).toBeGreaterThan(products * 1.5);
    const { rows: stores } = await db.pool.query<{ id: string }>("SELECT id FROM locations WHERE merchant_id = $1", [
      merchantId,
    ]);
    const byProduct = {
      tenant: new Tenant(merchantId),
      from: "2026-10-01",
      to: "2026-11-01",
      period: "month" as const,
      groupBy: "product" as const,
      locationIds: null,
      maxRows: 1000,
    };

    // Months that earlier tests' rebuilds marked are summed again first (that reads every store's rows).
    await readSalesReport(db.pool, byProduct);
    let report: Awaited<ReturnType<typeof readSalesReport>> | undefined;
    const nodes = await explained(async (c) => {
      report = await readSalesReport(c, byProduct);
    });

    const lineRollups = nodes.filter((n) => n["Relation Name"]?.startsWith("sales_monthly"));
    expect(lineRollups.length).toBeGreaterThan(0);
    const read = lineRollups.map((n) => (n["Actual Rows"] ?? 0) * (n["Actual Loops"] ?? 1));
    expect(Math.max(...read)).toBe(products);
    // Every store named: the stores' rows, summed by the report itself; the same answer.
    expect(report).toEqual(await readSalesReport(db.pool, { ...byProduct, locationIds: stores.map((s) => s.id) }));
    expect(report!.rows.length).toBeGreaterThan(100);
  });

  it(prose`
    when a year's sales report by month is asked, analysed or never, then it reads each sales_daily row of the year
    once (the days summed first, the months and the totals from them) and sorts none of those rows
  `, async () => {
    const year = {
      tenant: new Tenant(merchantId),
      from: "2025-11-01",
      to: "2026-11-01",
      period: "month" as const,
      groupBy: undefined,
      locationIds: null,
      maxRows: 1000,
    };
    const { rows: counts } = await db.pool.query<{ rollups: number; days: number }>(
      `SELECT count(*)::int AS rollups, count(DISTINCT business_date)::int AS days FROM sales_daily
       WHERE merchant_id = $1 AND business_date >= $2 AND business_date < $3`,
      [merchantId, year.from, year.to],
    );
    const { rollups, days } = counts[0]!;
    // Several rollup rows a day (stores, employees, sales and refunds): a sort of them would show.
    expect(rollups).toBeGreaterThan(days * 2);
    await readSalesReport(db.pool, year); // the stale days of earlier tests rebuilt first

    for (const analysed of [false, true]) {
      if (analysed) await db.pool.query("VACUUM ANALYZE");
      else await forgetStatistics(db.url);
      let report: Awaited<ReturnType<typeof readSalesReport>> | undefined;
      const nodes = await explained(async (c) => {
        report = await readSalesReport(c, year);
      });
      const scans = nodes.filter((n) => n["Relation Name"] === "sales_daily");
      expect(
        scans.map((n) => (n["Actual Rows"] ?? 0) * (n["Actual Loops"] ?? 1)),
        `analysed: ${analysed}`,
      ).toEqual([rollups]);
      const sorted = nodes
        .filter((n) => n["Node Type"].endsWith("Sort") && (n["Actual Rows"] ?? 0) > days)
        .map((n) => `${n["Node Type"]}: ${n["Actual Rows"]} rows`);
      expect(sorted, `analysed: ${analysed}`).toEqual([]);
      expect(report!.rows).toHaveLength(12);
      expect(report!.totals.receipts).toBeGreaterThan(0);
    }
  });
});
