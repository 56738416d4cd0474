// The customers report's one query: the range's receipts with their net amount, each buyer's first
// purchase ever, then the rows per period, the totals and the top customers, returned together as
// JSON whose figures are all text (exact decimals, never floats).
//
// A receipt's net is subtotal − discount_total: the service stores those as the exact sums of the
// receipt's lines (src/transactions/totals.ts), so this equals the sales report's net sales, which
// sums the lines themselves, without reading a line.
//
// Speed: the range is read once through transactions(merchant_id, business_date, location_id), each
// receipt's net as whole cents (an exact bigint, summed as integers and converted back to the same
// 2-decimal numbers: cheaper than summing NUMERICs), then aggregated per buyer and per period. Who is
// new comes from the first-purchase rollups, brought up to date first for every day before the
// range's end: over every store, customer_first_purchases (each customer's first purchase at any
// store; a range of (merchant_id, first_date) reads only the customers new in the range: see the
// migration 20261205063000_customer_first_purchases); over some stores, customer_first_sales (the
// first at each store, 20261127030000_report_rollups). What remains grows with what the range holds:
// its receipts and its distinct buyers (an exact distinct count over any range and set of stores).
//
// Except for one calendar month over every store, by day or by month (the monthly report a
// dashboard asks for): that answer is read from the customer rollups the refresh keeps (the
// migration 20261205082000_customer_month_rollups): the month's days from customer_days and its new
// customers from customer_new_days (a row per day each), its distinct customers from
// customer_month_totals and its top customers from the first rows of customer_months'
// (merchant_id, month, net_cents DESC, customer_id) index. So it costs
// about the same whatever the merchant sold that month; every other range or scope reads the
// receipts as above, and both give the same answer (test/reports/customers-rollups.test.ts).
import { type RawBuilder, sql } from "kysely";
import { columnsOf, type Executor, first, tenantStatement } from "../../db/sql.js";
import type { Tenant } from "../../db/tenant.js";
import type { Period } from "../params.js";
import { refreshReportRollups } from "../rollups.js";
import { periodSql } from "../values.js";
import type { CustomersReport } from "./schema.js";

export interface CustomersQuery {
  tenant: Tenant;
  from: string;
  to: string;
  period: Period;
  /** Narrows the key's locations to these (null: no narrowing). */
  locationIds: string[] | null;
  top: number;
}

/** The statement's one row: PostgreSQL-rendered JSON in the answer's own shapes (figures as text). */
type CustomersSqlRow = {
  totals: CustomersReport["totals"];
  periods: CustomersReport["data"];
  top_customers: CustomersReport["top_customers"];
};

const t = columnsOf("transactions", "t");
const c = columnsOf("customers", "c");
/** customer_first_sales, as `f` (and `e` for the earlier first sales). */
const firstSale = (alias: "f" | "e") => columnsOf("customer_first_sales", alias);
const f = firstSale("f");
const e = firstSale("e");
const fp = columnsOf("customer_first_purchases", "fp");
const day = columnsOf("customer_days", "d");
const month = columnsOf("customer_months", "m");
const monthTotal = columnsOf("customer_month_totals", "mt");
const newDay = columnsOf("customer_new_days", "nd");
const raw = (text: string) => sql.raw(text);

const figures = (source: string) =>
  raw(`
         'customers', ${source}.customers::int,
         'new_customers', ${source}.new_customers::int,
         'returning_customers', (${source}.customers - ${source}.new_customers)::int,
         'receipts', ${source}.receipts::int,
         'known_customer_receipts', ${source}.known_receipts::int,
         'known_customer_receipt_share',
           CASE WHEN ${source}.receipts > 0 THEN round(100.0 * ${source}.known_receipts / ${source}.receipts, 2)::text
             END,
         'net_sales', round(${source}.net_sales, 2)::text,
         'known_customer_net_sales', round(${source}.known_net_sales, 2)::text,
         'known_customer_sales_share', CASE
           WHEN ${source}.net_sales <> 0 THEN round(100 * ${source}.known_net_sales / ${source}.net_sales, 2)::text
             END`);

type Sql = RawBuilder<unknown>;
type Amount = (sum: Sql) => Sql;

/** [from, to) is one calendar month: from is its first day and to the next month's. */
export function isOneMonth({ from, to }: { from: string; to: string }): boolean {
  const [y, m, d] = from.split("-").map(Number) as [number, number, number];
  return d === 1 && new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10) === to;
}

/** The figures and top customers from the range's receipts: any range, any stores. */
function receipts(q: CustomersQuery, from: Sql, to: Sql, period: Sql, amount: Amount, scope: (alias: "t") => Sql) {
  return sql`rec AS (
  SELECT ${raw(t.customer_id)}, ${raw(t.kind)} = 'sale' AS is_sale,
         date_trunc(${period}, ${raw(t.business_date)}::timestamp)::date AS bucket,
         ((${raw(t.subtotal)} - ${raw(t.discount_total)}) * 100)::bigint AS cents
  FROM transactions t
  WHERE ${scope("t")}
    AND ${raw(t.business_date)} >= ${from} AND ${raw(t.business_date)} < ${to}
    AND ${raw(t.status)} = 'completed' AND ${raw(t.deleted_at)} IS NULL
),
-- One row per known customer over the range.
buyers AS (
  SELECT customer_id, count(*) FILTER (WHERE is_sale) AS receipts, ${amount(sql`sum(cents)`)} AS net_sales
  FROM rec WHERE customer_id IS NOT NULL
  GROUP BY customer_id
),
sums AS (
  SELECT bucket, grouping(bucket) = 1 AS is_total,
         count(*) FILTER (WHERE is_sale) AS receipts,
         count(*) FILTER (WHERE is_sale AND customer_id IS NOT NULL) AS known_receipts,
         ${amount(sql`coalesce(sum(cents), 0)`)} AS net_sales,
         ${amount(sql`coalesce(sum(cents) FILTER (WHERE customer_id IS NOT NULL), 0)`)} AS known_net_sales
  FROM rec
  GROUP BY GROUPING SETS ((bucket), ())
),
-- Distinct buyers per period: each period's few thousand receipts sorted on their own.
counted AS (
  SELECT bucket, count(DISTINCT customer_id) AS customers
  FROM rec WHERE is_sale AND customer_id IS NOT NULL
  GROUP BY bucket
),
agg AS (
  SELECT s.bucket, s.is_total, s.receipts, s.known_receipts, s.net_sales, s.known_net_sales,
         CASE WHEN s.is_total THEN (SELECT count(*) FROM buyers WHERE receipts > 0)
              ELSE coalesce(c.customers, 0) END AS customers,
         CASE WHEN s.is_total THEN (SELECT coalesce(sum(new_customers), 0) FROM newcomers)
              ELSE coalesce(n.new_customers, 0) END AS new_customers
  FROM sums s
  LEFT JOIN counted c ON c.bucket = s.bucket
  LEFT JOIN newcomers n ON n.bucket = s.bucket
),
top AS (SELECT * FROM buyers ORDER BY net_sales DESC, customer_id LIMIT ${q.top})`;
}

/**
 * The figures and top customers of one calendar month over every store, from the customer rollups:
 * a row per day of customer_days, the month's customers from customer_month_totals (a period of a
 * month is the whole month) and the first `top` rows of customer_months in the report's order.
 */
function monthRollups(q: CustomersQuery, from: Sql, to: Sql, period: Sql, amount: Amount) {
  // A month's period is the whole month; a day's figures are the day's own.
  const periodCustomers = q.period === "month" ? raw("m.customers") : raw("s.day_customers");
  return sql`month_total AS (
  SELECT coalesce(max(${raw(monthTotal.customers)}), 0) AS customers FROM customer_month_totals mt
  WHERE ${q.tenant.where("mt")} AND ${raw(monthTotal.month)} = ${from}
),
days AS (
  SELECT date_trunc(${period}, ${raw(day.business_date)}::timestamp)::date AS bucket, ${raw(day.receipts)},
         ${raw(day.known_receipts)}, ${raw(day.customers)}, ${raw(day.net_cents)}, ${raw(day.known_net_cents)}
  FROM customer_days d
  WHERE ${q.tenant.where("d")} AND ${raw(day.business_date)} >= ${from} AND ${raw(day.business_date)} < ${to}
),
sums AS (
  SELECT bucket, grouping(bucket) = 1 AS is_total,
         coalesce(sum(receipts), 0) AS receipts, coalesce(sum(known_receipts), 0) AS known_receipts,
         ${amount(sql`coalesce(sum(net_cents), 0)`)} AS net_sales,
         ${amount(sql`coalesce(sum(known_net_cents), 0)`)} AS known_net_sales,
         coalesce(sum(customers), 0) AS day_customers
  FROM days
  GROUP BY GROUPING SETS ((bucket), ())
),
agg AS (
  SELECT s.bucket, s.is_total, s.receipts, s.known_receipts, s.net_sales, s.known_net_sales,
         CASE WHEN s.is_total THEN m.customers ELSE ${periodCustomers} END AS customers,
         CASE WHEN s.is_total THEN (SELECT coalesce(sum(new_customers), 0) FROM newcomers)
              ELSE coalesce(n.new_customers, 0) END AS new_customers
  FROM sums s
  CROSS JOIN month_total m
  LEFT JOIN newcomers n ON n.bucket = s.bucket
),
top AS (
  SELECT ${raw(month.customer_id)}, ${raw(month.receipts)}, ${amount(raw(month.net_cents))} AS net_sales
  FROM customer_months m
  WHERE ${q.tenant.where("m")} AND ${raw(month.month)} = ${from}
  ORDER BY ${raw(month.net_cents)} DESC, ${raw(month.customer_id)}
  LIMIT ${q.top}
)`;
}

/** Where a report's figures come from: the month's rollups when they answer it, or the receipts. */
export type CustomersSource = "fastest" | "receipts";

/** Whether the customer rollups answer this report: one calendar month over every store, by day or month. */
export const answeredByRollups = (q: CustomersQuery): boolean =>
  q.tenant.locationIds === null && q.locationIds === null && q.period !== "week" && isOneMonth(q);

function customersSql(q: CustomersQuery, sourceOf: CustomersSource): RawBuilder<CustomersSqlRow> {
  const from = sql`${q.from}::date`;
  const to = sql`${q.to}::date`;
  const period = sql`${q.period}::text`;
  /** The merchant (and the key's stores) of `alias`, narrowed to the asked locations. */
  const scope = (alias: "t" | "f" | "e") =>
    sql`${q.tenant.where(alias)} AND
      (${q.locationIds}::uuid[] IS NULL
        OR ${raw(columnsOf("customer_first_sales", alias).location_id)} = ANY(${q.locationIds}::uuid[]))`;
  /** Every store of the merchant: first purchases at any store are customer_first_purchases rows. */
  const everyStore = q.tenant.locationIds === null && q.locationIds === null;
  // (Per ISO week, a week's distinct customers are no sum of its days': those read the receipts.)
  const fromRollups = sourceOf === "fastest" && answeredByRollups(q);
  // The customers whose first purchase (at any store of the report) falls in the range; their
  // period is where they are new. From the rollups: counted per day already.
  const newcomers = fromRollups
    ? sql`
  SELECT date_trunc(${period}, ${raw(newDay.business_date)}::timestamp)::date AS bucket,
         sum(${raw(newDay.customers)}) AS new_customers
  FROM customer_new_days nd
  WHERE ${q.tenant.where("nd")} AND ${raw(newDay.business_date)} >= ${from} AND ${raw(newDay.business_date)} < ${to}
  GROUP BY 1`
    : everyStore
      ? sql`
  SELECT date_trunc(${period}, ${raw(fp.first_date)}::timestamp)::date AS bucket, count(*) AS new_customers
  FROM customer_first_purchases fp
  WHERE ${q.tenant.where("fp")} AND ${raw(fp.first_date)} >= ${from} AND ${raw(fp.first_date)} < ${to}
  GROUP BY 1`
      : // From customer_first_sales: a first sale at one of the stores in the range, and none earlier at
        // another. That first sale is their first in the range.
        sql`
  SELECT date_trunc(${period}, first_day::timestamp)::date AS bucket, count(*) AS new_customers
  FROM (
    SELECT ${raw(f.customer_id)}, min(${raw(f.first_date)}) AS first_day
    FROM customer_first_sales f
    WHERE ${scope("f")} AND ${raw(f.first_date)} >= ${from} AND ${raw(f.first_date)} < ${to}
      AND NOT EXISTS (
        SELECT 1 FROM customer_first_sales e
        WHERE ${scope("e")} AND ${raw(e.customer_id)} = ${raw(f.customer_id)} AND ${raw(e.first_date)} < ${from})
    GROUP BY ${raw(f.customer_id)}
  ) n
  GROUP BY 1`;
  const firstDay = everyStore
    ? sql`(SELECT ${raw(fp.first_date)} FROM customer_first_purchases fp
          WHERE ${q.tenant.where("fp")} AND ${raw(fp.customer_id)} = b.customer_id)`
    : sql`(SELECT min(${raw(f.first_date)}) FROM customer_first_sales f
          WHERE ${scope("f")} AND ${raw(f.customer_id)} = b.customer_id)`;
  /** Cents summed back to the 2-decimal amount the figures are rounded from. */
  const amount = (sum: RawBuilder<unknown>) => sql`(${sum} / 100.0)::numeric(20, 2)`;
  // Both sources end in `agg` (a row per period and the totals row: the figures) and `top` (the
  // top customers by net sales, with their sales and net).
  const source = fromRollups ? monthRollups(q, from, to, period, amount) : receipts(q, from, to, period, amount, scope);
  return sql<CustomersSqlRow>`
WITH newcomers AS (${newcomers}
),
${source},
periods AS (
  SELECT p.bucket::date AS bucket, coalesce(a.receipts, 0) AS receipts, coalesce(a.known_receipts, 0) AS known_receipts,
         coalesce(a.customers, 0) AS customers, coalesce(a.new_customers, 0) AS new_customers,
         coalesce(a.net_sales, 0) AS net_sales, coalesce(a.known_net_sales, 0) AS known_net_sales
  FROM generate_series(date_trunc(${period}, ${from}::timestamp), (${to} - 1)::timestamp, ('1 ' || ${period})::interval)
    AS p(bucket)
  LEFT JOIN agg a ON a.bucket = p.bucket::date AND NOT a.is_total
),
spenders AS (
  SELECT b.customer_id, b.receipts, b.net_sales, ${firstDay} AS first_day
  FROM top b
)
SELECT
  (SELECT json_agg(json_build_object(${figures("t")}))->0 FROM agg t WHERE t.is_total) AS totals,
  (SELECT coalesce(json_agg(json_build_object(
     'period', x.period, 'period_start', x.period_start, 'period_end', x.period_end,
       ${figures("x")}) ORDER BY x.bucket), '[]')
   FROM (SELECT p.*, ${periodSql("p.bucket", q)} FROM periods p) x) AS periods,
  (SELECT coalesce(json_agg(json_build_object(
     'rank', s.rank, 'customer_id', s.customer_id, 'pos_user', ${raw(c.pos_user)}, 'first_name', ${raw(c.first_name)},
       'last_name', ${raw(c.last_name)},
     'receipts', s.receipts::int, 'net_sales', round(s.net_sales, 2)::text, 'first_purchase_date',
       to_char(s.first_day, 'YYYY-MM-DD'))
     ORDER BY s.rank), '[]')
   FROM (SELECT *, row_number() OVER (ORDER BY net_sales DESC, customer_id) AS rank FROM spenders) s
   JOIN customers c ON ${raw(c.id)} = s.customer_id) AS top_customers`;
}

/** The report; `source` "receipts" reads the receipts even where the rollups answer (the tests' reference). */
export async function readCustomersReport(
  db: Executor,
  q: CustomersQuery,
  source: CustomersSource = "fastest",
): Promise<CustomersSqlRow> {
  // A first purchase can be any day before the range's end, so every stale day up to it is rebuilt.
  await refreshReportRollups(db, q.tenant, null, q.to);
  return (await first(db, tenantStatement(q.tenant, customersSql(q, source))))!;
}
