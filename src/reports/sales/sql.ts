// The sales report's one query: every line of the range's non-voided, non-deleted receipts,
// grouped by period (and a dimension) with the totals in the same pass (GROUPING SETS). All
// arithmetic is PostgreSQL NUMERIC, exact; rows come back as decimal strings.
//
// Why lines and not receipt headers: units, categories, brands and products only exist on lines.
// Each line's gross is rounded to the cent (as the receipt's own subtotal is), so a report's
// gross, discounts, refunds, net sales and tax are exact sums of cents and equal the receipts'
// own totals; each line's cost is rounded to 4 decimals (as the receipt's cost_total is), summed,
// and rounded to the cent once.
//
// Speed: the range is read through transactions(merchant_id, business_date, location_id) and
// each receipt's lines through line_items(transaction_id, line_number).
import type pg from "pg";
import type { Period } from "../params.js";
import { periodSql } from "../values.js";
import type { SalesGroup } from "./schema.js";

/**
 * The SQL of each grouping: the group's key and name, the join that names it, and for the line
 * dimensions, what the per-receipt lookup of lines groups by. Fixed text only, never user input.
 */
const dimensions: Record<SalesGroup | "none", { key: string; name: string; join?: string; lines?: { select: string; groupBy: string } }> = {
  none: { key: "NULL::text", name: "NULL::text" },
  location: { key: "t.location_id::text", name: "l.name", join: "JOIN locations l ON l.id = t.location_id" },
  employee: {
    key: "t.employee_id::text",
    name: "nullif(concat_ws(' ', e.first_name, e.last_name), '')",
    join: "LEFT JOIN employees e ON e.id = t.employee_id",
  },
  category: { key: "li.category", name: "li.category", lines: { select: "li.category", groupBy: "li.category" } },
  brand: { key: "li.brand", name: "li.brand", lines: { select: "li.brand", groupBy: "li.brand" } },
  product: { key: "li.sku", name: "li.name", lines: { select: "li.sku, max(li.name) AS name", groupBy: "li.sku" } },
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

// $1 merchant, $2 from, $3 to, $4 period, $5 locations (null: all), $6 row limit.
function salesSql(groupBy: SalesGroup | undefined): string {
  const dimension = dimensions[groupBy ?? "none"];
  // Without a grouping, every period of the range gets a row, zeros included.
  const rows = groupBy
    ? "SELECT * FROM agg WHERE NOT is_total"
    : `SELECT p.bucket::date AS bucket, NULL::text AS group_key, NULL::text AS group_name, false AS is_total,
              coalesce(a.receipts, 0) AS receipts, coalesce(a.units, 0) AS units, coalesce(a.gross_sales, 0) AS gross_sales,
              coalesce(a.discounts, 0) AS discounts, coalesce(a.refunds, 0) AS refunds, coalesce(a.tax, 0) AS tax,
              coalesce(a.cost, 0) AS cost, coalesce(a.lines_without_cost, 0) AS lines_without_cost
       FROM generate_series(date_trunc($4, $2::date::timestamp), ($3::date - 1)::timestamp, ('1 ' || $4)::interval) AS p(bucket)
       LEFT JOIN agg a ON a.bucket = p.bucket::date AND NOT a.is_total`;
  const lineGroup = dimension.lines;
  return `
WITH parts AS (
  -- One row per receipt, or per receipt and line group: its lines summed. A lateral aggregate is
  -- a lookup of the receipt's lines by line_items(transaction_id, ...) whose cost grows with the
  -- range (a plain join makes the planner hash the whole line_items table), and one row per
  -- (receipt, group) lets receipts be counted without count(DISTINCT).
  SELECT t.kind = 'sale' AS is_sale,
         date_trunc($4, t.business_date::timestamp)::date AS bucket,
         ${dimension.key} AS group_key,
         ${dimension.name} AS group_name,
         coalesce(li.first, true) AS first,
         li.units, li.gross, li.discount, li.tax, li.cost, li.no_cost
  FROM transactions t
  ${dimension.join ?? ""}
  LEFT JOIN LATERAL (
    SELECT ${lineGroup ? `${lineGroup.select}, row_number() OVER () = 1` : "true"} AS first,
           sum(li.quantity) AS units,
           sum(round(li.unit_price * li.quantity, 2)) AS gross,
           sum(li.discount) AS discount,
           sum(li.tax) AS tax,
           sum(round(li.unit_cost * li.quantity, 4)) AS cost,
           count(*) FILTER (WHERE li.unit_cost IS NULL) AS no_cost
    FROM line_items li
    WHERE li.transaction_id = t.id
    ${lineGroup ? `GROUP BY ${lineGroup.groupBy}` : ""}
  ) li ON true
  WHERE t.merchant_id = $1
    AND t.business_date >= $2::date AND t.business_date < $3::date
    AND t.status = 'completed' AND t.deleted_at IS NULL
    AND ($5::uuid[] IS NULL OR t.location_id = ANY($5::uuid[]))
),
agg AS (
  SELECT bucket, group_key, max(group_name) AS group_name, grouping(bucket) = 1 AS is_total,
         -- A receipt has one row per group it touches: counted in each, and once in the totals.
         CASE WHEN grouping(bucket) = 1 THEN count(*) FILTER (WHERE is_sale AND first) ELSE count(*) FILTER (WHERE is_sale) END AS receipts,
         coalesce(sum(units) FILTER (WHERE is_sale), 0) AS units,
         coalesce(sum(gross) FILTER (WHERE is_sale), 0) AS gross_sales,
         coalesce(sum(discount) FILTER (WHERE is_sale), 0) AS discounts,
         coalesce(-sum(gross - discount) FILTER (WHERE NOT is_sale), 0) AS refunds,
         coalesce(sum(tax), 0) AS tax,
         coalesce(sum(cost), 0) AS cost,
         coalesce(sum(no_cost), 0) AS lines_without_cost
  FROM parts
  GROUP BY GROUPING SETS ((bucket, group_key), ())
),
picked AS (
  (${rows} ORDER BY bucket, gross_sales - discounts - refunds DESC, group_key NULLS LAST LIMIT $6)
  UNION ALL
  SELECT bucket, group_key, group_name, true, receipts, units, gross_sales, discounts, refunds, tax, cost, lines_without_cost
  FROM agg WHERE is_total
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

/** Unnamed statements on purpose: each gets a plan for its own range and locations. */
export async function readSalesReport(pool: pg.Pool, q: SalesQuery): Promise<{ rows: SalesSqlRow[]; totals: SalesSqlRow }> {
  const { rows } = await pool.query<SalesSqlRow>(salesSql(q.groupBy), [q.merchantId, q.from, q.to, q.period, q.locationIds, q.maxRows + 1]);
  const totals = rows.find((r) => r.is_total);
  if (!totals) throw new Error("the sales report query returned no totals row");
  return { rows: rows.filter((r) => !r.is_total), totals };
}
