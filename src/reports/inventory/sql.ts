// The inventory report's one query: current stock per location and category, valued at cost and
// at price in exact NUMERIC, with the totals in the same pass (GROUPING SETS).
import type pg from "pg";
import type { InventoryGroup } from "./schema.js";

const groupings: Record<InventoryGroup, string> = {
  location_category: "GROUPING SETS ((i.location_id, p.category), ())",
  location: "GROUPING SETS ((i.location_id), ())",
  category: "GROUPING SETS ((p.category), ())",
  none: "GROUPING SETS (())",
};

export interface InventorySqlRow {
  is_total: boolean;
  as_of: string;
  location_id: string | null;
  location_name: string | null;
  category: string | null;
  items: number;
  units_on_hand: string;
  value_at_cost: string;
  value_at_price: string;
  potential_margin: string;
  items_without_cost: number;
  items_without_price: number;
  low_stock_items: number;
  out_of_stock_items: number;
}

export interface InventoryQuery {
  merchantId: string;
  groupBy: InventoryGroup;
  lowStockThreshold: string;
  locationIds: string[] | null;
  maxRows: number;
}

// $1 merchant, $2 threshold, $3 locations (null: all), $4 row limit.
function inventorySql(groupBy: InventoryGroup): string {
  const byLocation = groupBy === "location_category" || groupBy === "location";
  const byCategory = groupBy === "location_category" || groupBy === "category";
  return `
WITH agg AS (
  SELECT ${byLocation ? "i.location_id" : "NULL::uuid AS location_id"},
         ${byCategory ? "p.category" : "NULL::text AS category"},
         ${groupBy === "none" ? "true" : `grouping(${byLocation ? "i.location_id" : "p.category"}) = 1`} AS is_total,
         count(*) AS items,
         coalesce(sum(greatest(i.quantity, 0)), 0) AS units,
         coalesce(sum(greatest(i.quantity, 0) * i.unit_cost), 0) AS at_cost,
         coalesce(sum(greatest(i.quantity, 0) * i.sale_price), 0) AS at_price,
         coalesce(sum(greatest(i.quantity, 0) * (i.sale_price - i.unit_cost)), 0) AS margin,
         count(*) FILTER (WHERE i.unit_cost IS NULL) AS no_cost,
         count(*) FILTER (WHERE i.sale_price IS NULL) AS no_price,
         count(*) FILTER (WHERE i.quantity > 0 AND i.quantity <= $2::numeric) AS low,
         count(*) FILTER (WHERE i.quantity <= 0) AS out_of_stock
  FROM inventory_items i
  JOIN products p ON p.id = i.product_id
  WHERE i.merchant_id = $1
    AND i.deleted_at IS NULL AND NOT i.archived
    AND p.deleted_at IS NULL AND NOT p.archived
    AND ($3::uuid[] IS NULL OR i.location_id = ANY($3::uuid[]))
  GROUP BY ${groupings[groupBy]}
),
picked AS (
  (SELECT a.*, l.name AS location_name FROM agg a LEFT JOIN locations l ON l.id = a.location_id
   WHERE NOT a.is_total ORDER BY l.name, a.location_id, a.category NULLS LAST LIMIT $4)
  UNION ALL
  SELECT a.*, NULL FROM agg a WHERE a.is_total
)
SELECT is_total,
       to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS as_of,
       location_id::text AS location_id, location_name, category,
       items::int AS items,
       round(units, 3)::text AS units_on_hand,
       round(at_cost, 2)::text AS value_at_cost,
       round(at_price, 2)::text AS value_at_price,
       round(margin, 2)::text AS potential_margin,
       no_cost::int AS items_without_cost,
       no_price::int AS items_without_price,
       low::int AS low_stock_items,
       out_of_stock::int AS out_of_stock_items
FROM picked
ORDER BY is_total, location_name, location_id, category NULLS LAST`;
}

export async function readInventoryReport(pool: pg.Pool, q: InventoryQuery) {
  const { rows } = await pool.query<InventorySqlRow>(inventorySql(q.groupBy), [
    q.merchantId,
    q.lowStockThreshold,
    q.locationIds,
    q.maxRows + 1,
  ]);
  const totals = rows.find((r) => r.is_total);
  // With no stock at all, GROUPING SETS over no rows still yields the () row; keep a guard anyway.
  if (!totals) throw new Error("the inventory report query returned no totals row");
  return { rows: rows.filter((r) => !r.is_total), totals };
}
