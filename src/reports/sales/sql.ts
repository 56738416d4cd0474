// The sales report: read from the daily rollups (sales_daily, sales_daily_lines; see the migration
// 20261127030000_report_rollups), after rebuilding the range's days that writes marked stale, so
// the figures are those of the receipts as they are now. A month of a million-receipt store is a
// few thousand rollup rows (tens of thousands by product) instead of ~260,000 lines. A monthly
// report by category, brand or product reads its whole months from sales_monthly_lines (a row per
// store, month and group; see the migration 20261205020332_report_month_rollups), so a month by
// product costs a row per store and product sold, not one per store, day and product; over every
// store, from sales_monthly_merchant_lines, a row per product sold (20261205093000). Its months
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
import { type RawBuilder, sql } from "kysely";
import { columnsOf, type Executor, type Row, run, tenantStatement } from "../../db/sql.js";
import type { Tenant } from "../../db/tenant.js";
import type { Period } from "../params.js";
import { refreshMonthRollups, refreshReportRollups } from "../rollups.js";
import { periodSql } from "../values.js";
import type { SalesGroup, SalesRow } from "./schema.js";

/** Groupings read from sales_daily_lines (what only lines carry); the others from sales_daily. */
type LineGroup = Extract<SalesGroup, "category" | "brand" | "product">;
type ReceiptGroup = Exclude<SalesGroup, LineGroup>;
const isLineGroup = (group: SalesGroup): group is LineGroup =>
  group === "category" || group === "brand" || group === "product";

const daily = columnsOf("sales_daily", "r");
const dailyLines = columnsOf("sales_daily_lines", "r");
const monthlyLines = columnsOf("sales_monthly_lines", "r");
const merchantLines = columnsOf("sales_monthly_merchant_lines", "r");
const location = columnsOf("locations", "l");
const employee = columnsOf("employees", "e");

/**
 * The receipt-level groupings: the rollup column that is the group's key (the column itself, so that
 * the days are summed in the order of sales_daily's index, (merchant, day, store)), and how the grouped
 * rows get their names (names are read now, so a renamed store shows its new name). Fixed text
 * only, never user input.
 */
const receiptGroups: Record<ReceiptGroup | "none", { key: string; name: string; join?: string }> = {
  none: { key: "NULL::text", name: "NULL::text" },
  location: {
    key: daily.location_id,
    name: location.name,
    join: `LEFT JOIN locations l ON ${location.id} = g.group_key::uuid`,
  },
  employee: {
    key: daily.employee_id,
    name: `nullif(concat_ws(' ', ${employee.first_name}, ${employee.last_name}), '')`,
    join: `LEFT JOIN employees e ON ${employee.id} = g.group_key::uuid`,
  },
};

export interface SalesQuery {
  tenant: Tenant;
  from: string;
  to: string;
  period: Period;
  groupBy: SalesGroup | undefined;
  /** Narrows the key's locations to these (null: no narrowing). */
  locationIds: string[] | null;
  /** Most rows served; one more is fetched to tell that there are more. */
  maxRows: number;
}

/** The figures of a row: computed as text (exact decimals) and ints, exactly as the API answers them. */
export type SalesFiguresRow = Omit<SalesRow, "period" | "period_start" | "period_end" | "group_key" | "group_name">;

/** A row of the statement: the totals row (is_total) has no period or group. */
export type SalesSqlRow = SalesFiguresRow & {
  is_total: boolean;
  period: string | null;
  period_start: string | null;
  period_end: string | null;
  group_key: Row<"sales_daily_lines">["group_key"];
  group_name: Row<"sales_daily_lines">["group_name"];
};

/** The figures every rollup table holds under the same names (src's columns). */
const FIGURE_COLUMNS = [
  "is_sale",
  "receipts",
  "units",
  "gross",
  "discount",
  "tax",
  "cost",
  "lines_without_cost",
] as const satisfies (keyof Row<"sales_daily"> &
  keyof Row<"sales_daily_lines"> &
  keyof Row<"sales_monthly_lines"> &
  keyof Row<"sales_monthly_merchant_lines">)[];
type FigureColumn = (typeof FIGURE_COLUMNS)[number];
const f = Object.fromEntries(FIGURE_COLUMNS.map((c) => [c, c])) as { [C in FigureColumn]: C };
const FIGURES = sql.raw(FIGURE_COLUMNS.map((c) => `r.${c}`).join(", "));

/** src's day column (the first branch's name, under UNION ALL too). */
const DAY = "business_date" satisfies keyof Row<"sales_daily"> & keyof Row<"sales_daily_lines">;

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
] as const satisfies (keyof SalesFiguresRow)[];
const FIGURE_NAMES = sql.raw(FIGURE_LIST.map((name) => `g.${name}`).join(", "));
/** The figures of rows that hold SUMS already (days summed into periods, or into the totals). */
const RESUMS = sql.raw(FIGURE_LIST.map((name) => `coalesce(sum(${name}), 0) AS ${name}`).join(", "));

/** The figures of a set of rollup rows; refunds are the value of refund lines, as a positive amount. */
const SUMS = sql.raw(`coalesce(sum(${f.receipts}) FILTER (WHERE ${f.is_sale}), 0) AS receipts,
         coalesce(sum(${f.units}) FILTER (WHERE ${f.is_sale}), 0) AS units,
         coalesce(sum(${f.gross}) FILTER (WHERE ${f.is_sale}), 0) AS gross_sales,
         coalesce(sum(${f.discount}) FILTER (WHERE ${f.is_sale}), 0) AS discounts,
         coalesce(-sum(${f.gross} - ${f.discount}) FILTER (WHERE NOT ${f.is_sale}), 0) AS refunds,
         coalesce(sum(${f.tax}), 0) AS tax,
         coalesce(sum(${f.cost}), 0) AS cost,
         coalesce(sum(${f.lines_without_cost}), 0) AS lines_without_cost`);

/** The statement's values, each written where it is used (a statement's parameters are never numbered by hand). */
function rangeOf(q: SalesQuery) {
  const from = sql`${q.from}::date`;
  const to = sql`${q.to}::date`;
  // The whole calendar months of [from, to): [monthsFrom, monthsTo) when monthsFrom < monthsTo.
  const monthsFrom = sql`(date_trunc('month', (${from} - 1)::timestamp) + interval '1 month')::date`;
  const monthsTo = sql`date_trunc('month', ${to}::timestamp)::date`;
  return {
    from,
    to,
    period: sql`${q.period}::text`,
    monthsFrom,
    monthsTo,
    hasMonths: sql`${monthsFrom} < ${monthsTo}`,
    /** The merchant (and the key's stores), narrowed to the asked locations; `r` is the rollup. */
    scope: () =>
      sql`${q.tenant.where("r")} AND (${q.locationIds}::uuid[] IS NULL
        OR ${sql.raw(daily.location_id)} = ANY(${q.locationIds}::uuid[]))`,
    /**
     * Every store of the merchant, for a rollup without stores (`r`); null when the report sees some stores
     * only (a key limited to some, or asked locations).
     */
    everyStore: q.locationIds === null && q.tenant.locationIds === null ? () => q.tenant.where("r") : null,
  };
}
type Range = ReturnType<typeof rangeOf>;

const inRange = (range: Range) =>
  sql`${range.scope()} AND ${sql.raw(daily.business_date)} >= ${range.from}
    AND ${sql.raw(daily.business_date)} < ${range.to}`;

/**
 * The line rollup rows of the range. A monthly report reads sales_monthly_lines (a row per store,
 * month and group) for the range's whole months, or over every store sales_monthly_merchant_lines (a
 * row per month and group: the same sums, fewer to add up), and sales_daily_lines only for the days of the
 * months the range cuts: [from, first whole month) and [end of the last whole month, to), or the
 * whole range when it holds no whole month. Either way each day is read once, from rows that sum
 * exactly the same lines.
 */
function lineSource(group: LineGroup, period: Period, range: Range): RawBuilder<unknown> {
  const day = sql.raw(dailyLines.business_date);
  const columns = sql.raw(`${dailyLines.group_key}, ${dailyLines.group_name}`);
  const dailyRows = (from: RawBuilder<unknown>, to: RawBuilder<unknown>) =>
    sql`SELECT ${day}, ${columns}, ${FIGURES} FROM sales_daily_lines r
      WHERE ${sql.raw(dailyLines.dimension)} = ${sql.lit(group)} AND ${range.scope()} AND ${day} >= ${from}
        AND ${day} < ${to}`;
  if (period !== "month") return dailyRows(range.from, range.to);
  const month = sql.raw(monthlyLines.month);
  // Over every store, the whole months' rows summed over the stores already (a row per group and kind).
  const months = range.everyStore
    ? sql`SELECT ${sql.raw(merchantLines.month)}, ${sql.raw(`${merchantLines.group_key}, ${merchantLines.group_name}`)},
      ${FIGURES} FROM sales_monthly_merchant_lines r
      WHERE ${sql.raw(merchantLines.dimension)} = ${sql.lit(group)} AND ${range.everyStore()}
        AND ${sql.raw(merchantLines.month)} >= ${range.monthsFrom}
        AND ${sql.raw(merchantLines.month)} < ${range.monthsTo}`
    : sql`SELECT ${month}, ${sql.raw(`${monthlyLines.group_key}, ${monthlyLines.group_name}`)},
      ${FIGURES} FROM sales_monthly_lines r
      WHERE ${sql.raw(monthlyLines.dimension)} = ${sql.lit(group)} AND ${range.scope()}
        AND ${month} >= ${range.monthsFrom} AND ${month} < ${range.monthsTo}`;
  return sql`${dailyRows(range.from, sql`CASE WHEN ${range.hasMonths} THEN ${range.monthsFrom} ELSE ${range.to} END`)}
    UNION ALL
    ${months}
    UNION ALL
    ${dailyRows(sql`CASE WHEN ${range.hasMonths} THEN ${range.monthsTo} ELSE ${range.to} END`, range.to)}`;
}

/**
 * The report's statement. A grouping by receipts (none, store, employee) sums sales_daily's rows into days
 * first, and the days into periods and into the totals: each rollup row of the range is read and summed once,
 * in the index's order, so no plan sorts them (a year of a million-receipt store is ~16,000 rows: summed
 * twice, by month and for the totals, and sorted first when the tables were never analysed, it took ~22 ms
 * of PostgreSQL's time against ~14 analysed; read once by day, ~10 against ~9). A grouping by lines sums
 * its line rollups, and its totals come from sales_daily, where each receipt counts once.
 */
function salesSql(q: SalesQuery) {
  const range = rangeOf(q);
  const { groupBy } = q;
  const lineGroup = groupBy !== undefined && isLineGroup(groupBy);
  const receiptGroup = receiptGroups[groupBy === undefined || isLineGroup(groupBy) ? "none" : groupBy];
  const bucket = sql`date_trunc(${range.period}, ${sql.raw(DAY)}::timestamp)::date`;
  const sums = lineGroup
    ? sql`src AS (${lineSource(groupBy, q.period, range)}),
grouped AS (
  SELECT ${bucket} AS bucket, group_key, max(group_name) AS group_name, ${SUMS}
  FROM src
  GROUP BY 1, 2
)`
    : sql`days AS (
  SELECT ${sql.raw(daily.business_date)}, ${sql.raw(receiptGroup.key)} AS group_key, ${SUMS}
  FROM sales_daily r WHERE ${inRange(range)}
  GROUP BY 1, 2
),
grouped AS (
  SELECT ${bucket} AS bucket, group_key::text AS group_key, NULL::text AS group_name, ${RESUMS}
  FROM days
  GROUP BY 1, 2
)`;
  const totals = lineGroup
    ? sql`SELECT ${SUMS} FROM (SELECT ${FIGURES} FROM sales_daily r WHERE ${inRange(range)}) t`
    : sql`SELECT ${RESUMS} FROM days`;
  const name = sql.raw(lineGroup ? "g.group_name" : receiptGroup.name);
  // Without a grouping, every period of the range gets a row, zeros included.
  const rows = groupBy
    ? sql`SELECT g.bucket, g.group_key, ${name} AS group_name,
      ${FIGURE_NAMES} FROM grouped g ${sql.raw(lineGroup ? "" : (receiptGroup.join ?? ""))}`
    : sql`SELECT p.bucket::date AS bucket, NULL::text AS group_key, NULL::text AS group_name,
              ${sql.raw(FIGURE_LIST.map((name) => `coalesce(g.${name}, 0) AS ${name}`).join(", "))}
       FROM generate_series(date_trunc(${range.period}, ${range.from}::timestamp), (${range.to} - 1)::timestamp,
         ('1 ' || ${range.period})::interval) AS p(bucket)
       LEFT JOIN grouped g ON g.bucket = p.bucket::date`;
  return sql<SalesSqlRow>`
WITH ${sums},
picked AS (
  (SELECT false AS is_total, x.* FROM (${rows}) x ORDER BY x.bucket, x.gross_sales - x.discounts - x.refunds DESC,
    x.group_key NULLS LAST LIMIT ${q.maxRows + 1})
  UNION ALL
  SELECT true, NULL::date, NULL::text, NULL::text, t.* FROM (${totals}) t
),
figures AS (
  SELECT *, gross_sales - discounts - refunds AS net FROM picked
)
SELECT is_total,
       ${periodSql("bucket", q)},
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

/**
 * The whole calendar months of [from, to), as [from, to) of their first days; null if none (as monthsFrom, monthsTo).
 */
export function wholeMonths(from: string, to: string): { from: string; to: string } | null {
  const [fy, fm, fd] = from.split("-").map(Number) as [number, number, number];
  const first = fd === 1 ? new Date(Date.UTC(fy, fm - 1, 1)) : new Date(Date.UTC(fy, fm, 1));
  const [ty, tm] = to.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(ty, tm - 1, 1));
  return first < last ? { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) } : null;
}

/** Unnamed statements on purpose: each gets a plan for its own range and locations. */
export async function readSalesReport(
  db: Executor,
  q: SalesQuery,
): Promise<{ rows: SalesSqlRow[]; totals: SalesSqlRow }> {
  await refreshReportRollups(db, q.tenant, q.from, q.to);
  if (q.period === "month" && q.groupBy !== undefined && isLineGroup(q.groupBy)) {
    const months = wholeMonths(q.from, q.to);
    if (months) await refreshMonthRollups(db, q.tenant, months.from, months.to);
  }
  const rows = await run(db, tenantStatement(q.tenant, salesSql(q)));
  const totals = rows.find((r) => r.is_total);
  if (!totals) throw new Error("the sales report query returned no totals row");
  return { rows: rows.filter((r) => !r.is_total), totals };
}
