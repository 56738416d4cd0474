// The sales report: read from the daily rollups (sales_daily, sales_daily_lines; see the migration
// 20261127030000_report_rollups), after rebuilding the range's days that writes marked stale, so
// the figures are those of the receipts as they are now. A month of a million-receipt store is a
// few thousand rollup rows (tens of thousands by product) instead of ~260,000 lines. A monthly
// report by category, brand or product reads its whole months from sales_monthly_lines (a row per
// store, month and group; see the migration 20261205020332_report_month_rollups), so a month by
// product costs a row per store and product sold, not one per store, day and product. Its months
// marked by a refresh are summed again from their days first (refreshMonthRollups).
//
// The rollups hold exact sums: each line's gross rounded to the cent (as the receipt's own
// subtotal is) and its cost to 4 decimals (as the receipt's cost_total is). So a report's gross,
// discounts, refunds, net sales and tax equal the receipts' own totals to the cent, and its cost
// is rounded to the cent once, from the 4-decimal sum. All arithmetic is PostgreSQL NUMERIC.
//
// Receipts under a line grouping: sales_daily_lines counts, per day, the receipts with a line in
// the group; a receipt is on one day at one store, so those counts add up across days and stores.
// The totals always come from sales_daily, where each receipt counts once.
import type pg from "pg";
import type { Period } from "../params.js";
import { periodSql } from "../values.js";
import { refreshMonthRollups, refreshReportRollups } from "../rollups.js";
import type { SalesGroup } from "./schema.js";

/** Groupings read from sales_daily_lines (what only lines carry); the others from sales_daily. */
type LineGroup = Extract<SalesGroup, "category" | "brand" | "product">;
type ReceiptGroup = Exclude<SalesGroup, LineGroup>;
const isLineGroup = (group: SalesGroup): group is LineGroup =>
  group === "category" || group === "brand" || group === "product";

/**
 * The receipt-level groupings: the rollup column that is the group's key, and how the grouped
 * rows get their names (names are read now, so a renamed store shows its new name). Fixed text
 * only, never user input.
 */
const receiptGroups: Record<ReceiptGroup | "none", { key: string; name: string; join?: string }> = {
  none: { key: "NULL::text", name: "NULL::text" },
  location: { key: "r.location_id::text", name: "l.name", join: "LEFT JOIN locations l ON l.id = g.group_key::uuid" },
  employee: {
    key: "r.employee_id::text",
    name: "nullif(concat_ws(' ', e.first_name, e.last_name), '')",
    join: "LEFT JOIN employees e ON e.id = g.group_key::uuid",
  },
};

export interface SalesQuery {
  merchantId: string;
  from: string;
  to: string;
  period: Period;
  groupBy: SalesGroup | undefined;
  /** null: every location of the merchant. */
  locationIds: string[] | null;
  /** Most rows served; one more is fetched to tell that there are more. */
  maxRows: number;
}

export interface SalesFiguresRow {
  receipts: number;
  units: string;
  gross_sales: string;
  discounts: string;
  refunds: string;
  net_sales: string;
  tax: string;
  cost: string;
  margin: string;
  margin_percent: string | null;
  average_basket: string | null;
  lines_without_cost: number;
}

export interface SalesSqlRow extends SalesFiguresRow {
  is_total: boolean;
  period: string | null;
  period_start: string | null;
  period_end: string | null;
  group_key: string | null;
  group_name: string | null;
}

/** The summed figures, in the order SUMS computes them. */
const FIGURE_LIST = [
  "receipts",
  "units",
  "gross_sales",
  "discounts",
  "refunds",
  "tax",
  "cost",
  "lines_without_cost",
] as const;
const FIGURE_NAMES = FIGURE_LIST.map((f) => `g.${f}`).join(", ");

const FIGURES = "r.is_sale, r.receipts, r.units, r.gross, r.discount, r.tax, r.cost, r.lines_without_cost";
const IN_RANGE = `r.merchant_id = $1 AND r.business_date >= $2::date AND r.business_date < $3::date
    AND ($5::uuid[] IS NULL OR r.location_id = ANY($5::uuid[]))`;

/** The figures of a set of rollup rows; refunds are the value of refund lines, as a positive amount. */
const SUMS = `coalesce(sum(receipts) FILTER (WHERE is_sale), 0) AS receipts,
         coalesce(sum(units) FILTER (WHERE is_sale), 0) AS units,
         coalesce(sum(gross) FILTER (WHERE is_sale), 0) AS gross_sales,
         coalesce(sum(discount) FILTER (WHERE is_sale), 0) AS discounts,
         coalesce(-sum(gross - discount) FILTER (WHERE NOT is_sale), 0) AS refunds,
         coalesce(sum(tax), 0) AS tax,
         coalesce(sum(cost), 0) AS cost,
         coalesce(sum(lines_without_cost), 0) AS lines_without_cost`;

// The whole calendar months of [$2, $3): [MONTHS_FROM, MONTHS_TO) when MONTHS_FROM < MONTHS_TO.
const MONTHS_FROM = "(date_trunc('month', ($2::date - 1)::timestamp) + interval '1 month')::date";
const MONTHS_TO = "date_trunc('month', $3::date::timestamp)::date";
const HAS_MONTHS = `${MONTHS_FROM} < ${MONTHS_TO}`;
const LOCATIONS = "($5::uuid[] IS NULL OR r.location_id = ANY($5::uuid[]))";

/**
 * The line rollup rows of the range. A monthly report reads sales_monthly_lines (a row per store,
 * month and group) for the range's whole months, and sales_daily_lines only for the days of the
 * months the range cuts: [from, first whole month) and [end of the last whole month, to), or the
 * whole range when it holds no whole month. Either way each day is read once, from rows that sum
 * exactly the same lines.
 */
function lineSource(group: LineGroup, period: Period): string {
  const daily = (
    from: string,
    to: string,
  ) => `SELECT r.business_date, r.group_key, r.group_name, ${FIGURES} FROM sales_daily_lines r
      WHERE r.dimension = '${group}' AND r.merchant_id = $1 AND r.business_date >= ${from} AND r.business_date < ${to} AND ${LOCATIONS}`;
  if (period !== "month") return daily("$2::date", "$3::date");
  return `${daily("$2::date", `CASE WHEN ${HAS_MONTHS} THEN ${MONTHS_FROM} ELSE $3::date END`)}
    UNION ALL
    SELECT r.month, r.group_key, r.group_name, ${FIGURES} FROM sales_monthly_lines r
      WHERE r.dimension = '${group}' AND r.merchant_id = $1 AND r.month >= ${MONTHS_FROM} AND r.month < ${MONTHS_TO} AND ${LOCATIONS}
    UNION ALL
    ${daily(`CASE WHEN ${HAS_MONTHS} THEN ${MONTHS_TO} ELSE $3::date END`, "$3::date")}`;
}

// $1 merchant, $2 from, $3 to, $4 period, $5 locations (null: all), $6 row limit.
function salesSql(groupBy: SalesGroup | undefined, period: Period): string {
  const lineGroup = groupBy !== undefined && isLineGroup(groupBy);
  const receiptGroup = receiptGroups[groupBy === undefined || isLineGroup(groupBy) ? "none" : groupBy];
  const source = lineGroup
    ? lineSource(groupBy, period)
    : `SELECT r.business_date, ${receiptGroup.key} AS group_key, ${FIGURES} FROM sales_daily r WHERE ${IN_RANGE}`;
  const name = lineGroup ? "g.group_name" : receiptGroup.name;
  // Without a grouping, every period of the range gets a row, zeros included.
  const rows = groupBy
    ? `SELECT g.bucket, g.group_key, ${name} AS group_name, ${FIGURE_NAMES} FROM grouped g ${lineGroup ? "" : (receiptGroup.join ?? "")}`
    : `SELECT p.bucket::date AS bucket, NULL::text AS group_key, NULL::text AS group_name,
              ${FIGURE_LIST.map((f) => `coalesce(g.${f}, 0) AS ${f}`).join(", ")}
       FROM generate_series(date_trunc($4, $2::date::timestamp), ($3::date - 1)::timestamp, ('1 ' || $4)::interval) AS p(bucket)
       LEFT JOIN grouped g ON g.bucket = p.bucket::date`;
  return `
WITH src AS (${source}),
grouped AS (
  SELECT date_trunc($4, business_date::timestamp)::date AS bucket, group_key, ${lineGroup ? "max(group_name)" : "NULL::text"} AS group_name,
         ${SUMS}
  FROM src
  GROUP BY 1, 2
),
picked AS (
  (SELECT false AS is_total, x.* FROM (${rows}) x ORDER BY x.bucket, x.gross_sales - x.discounts - x.refunds DESC, x.group_key NULLS LAST LIMIT $6)
  UNION ALL
  SELECT true, NULL::date, NULL::text, NULL::text, ${SUMS}
  FROM (SELECT ${FIGURES} FROM sales_daily r WHERE ${IN_RANGE}) t
),
figures AS (
  SELECT *, gross_sales - discounts - refunds AS net FROM picked
)
SELECT is_total,
       ${periodSql("bucket", "$4", "$2", "$3")},
       group_key,
       group_name,
       receipts::int AS receipts,
       round(units, 3)::text AS units,
       round(gross_sales, 2)::text AS gross_sales,
       round(discounts, 2)::text AS discounts,
       round(refunds, 2)::text AS refunds,
       round(net, 2)::text AS net_sales,
       round(tax, 2)::text AS tax,
       round(cost, 2)::text AS cost,
       round(net - cost, 2)::text AS margin,
       CASE WHEN net <> 0 THEN round(100 * (net - cost) / net, 2)::text END AS margin_percent,
       CASE WHEN receipts > 0 THEN round((gross_sales - discounts) / receipts, 2)::text END AS average_basket,
       lines_without_cost::int AS lines_without_cost
FROM figures
ORDER BY is_total, bucket, net DESC, group_key NULLS LAST`;
}

/** The whole calendar months of [from, to), as [from, to) of their first days; null if none (as MONTHS_FROM, MONTHS_TO). */
export function wholeMonths(from: string, to: string): { from: string; to: string } | null {
  const [fy, fm, fd] = from.split("-").map(Number) as [number, number, number];
  const first = fd === 1 ? new Date(Date.UTC(fy, fm - 1, 1)) : new Date(Date.UTC(fy, fm, 1));
  const [ty, tm] = to.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(ty, tm - 1, 1));
  return first < last ? { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) } : null;
}

/** Unnamed statements on purpose: each gets a plan for its own range and locations. */
export async function readSalesReport(
  pool: pg.Pool,
  q: SalesQuery,
): Promise<{ rows: SalesSqlRow[]; totals: SalesSqlRow }> {
  await refreshReportRollups(pool, q.merchantId, q.from, q.to);
  if (q.period === "month" && q.groupBy !== undefined && isLineGroup(q.groupBy)) {
    const months = wholeMonths(q.from, q.to);
    if (months) await refreshMonthRollups(pool, q.merchantId, months.from, months.to);
  }
  const { rows } = await pool.query<SalesSqlRow>(salesSql(q.groupBy, q.period), [
    q.merchantId,
    q.from,
    q.to,
    q.period,
    q.locationIds,
    q.maxRows + 1,
  ]);
  const totals = rows.find((r) => r.is_total);
  if (!totals) throw new Error("the sales report query returned no totals row");
  return { rows: rows.filter((r) => !r.is_total), totals };
}
