// The inventory report's one query: current stock per location and category, valued at cost and
// at price in exact NUMERIC, with the totals in the same pass (GROUPING SETS). It reads inventory_items
// alone: each item keeps its product's category and whether the product is active (triggers of
// migration 20261205085000_inventory_product_fields), so no join whose plan waits for statistics.
// Nor does its grouping wait for them: the items are summed per store and category (and in total),
// read in that order from the report's own index (20261205092000_inventory_report_index: an index-only
// scan, grouped as it goes, whether or not the table was ever analysed; never a sort of every item),
// and a grouping by store or by category only sums those few cells again. Sums and counts add up
// exactly, so two steps give what one would.
import { type RawBuilder, sql } from "kysely";
import { columnsOf, type Executor, run, tenantStatement } from "../../db/sql.js";
import type { Tenant } from "../../db/tenant.js";
import type { InventoryGroup, InventoryRow } from "./schema.js";

const i = columnsOf("inventory_items", "i");
const l = columnsOf("locations", "l");
const raw = (text: string) => sql.raw(text);

const FIGURES = ["items", "units", "at_cost", "at_price", "margin", "no_cost", "no_price", "low", "out_of_stock"];

// The rows of each grouping from the cells (c: a row per store and category, and the totals row).
const grouped = (key: "location_id" | "category") =>
  `SELECT ${key === "location_id" ? "c.location_id, NULL::text AS category" : "NULL::uuid AS location_id, c.category"},
          false AS is_total, ${FIGURES.map((f) => `sum(c.${f}) AS ${f}`).join(", ")}
   FROM cells c WHERE NOT c.is_total GROUP BY c.${key}
   UNION ALL SELECT * FROM cells c WHERE c.is_total`;
const groupings: Record<InventoryGroup, string> = {
  location_category: "SELECT * FROM cells",
  location: grouped("location_id"),
  category: grouped("category"),
  none: "SELECT * FROM cells c WHERE c.is_total",
};

/** A row of the statement: the API's row (figures computed as text and ints), and whether it is the totals. */
export type InventorySqlRow = InventoryRow & { is_total: boolean; as_of: string };

export interface InventoryQuery {
  tenant: Tenant;
  groupBy: InventoryGroup;
  lowStockThreshold: string;
  /** Narrows the key's locations to these (null: no narrowing). */
  locationIds: string[] | null;
  maxRows: number;
}

function inventorySql(q: InventoryQuery): RawBuilder<InventorySqlRow> {
  const quantity = raw(i.quantity);
  const onHand = raw(`greatest(${i.quantity}, 0)`);
  return sql<InventorySqlRow>`
WITH cells AS (
  SELECT ${raw(i.location_id)}, ${raw(i.product_category)} AS category,
         grouping(${raw(i.location_id)}) = 1 AS is_total,
         count(*) AS items,
         coalesce(sum(${onHand}), 0) AS units,
         coalesce(sum(${onHand} * ${raw(i.unit_cost)}), 0) AS at_cost,
         coalesce(sum(${onHand} * ${raw(i.sale_price)}), 0) AS at_price,
         coalesce(sum(${onHand} * (${raw(i.sale_price)} - ${raw(i.unit_cost)})), 0) AS margin,
         count(*) FILTER (WHERE ${raw(i.unit_cost)} IS NULL) AS no_cost,
         count(*) FILTER (WHERE ${raw(i.sale_price)} IS NULL) AS no_price,
         count(*) FILTER (WHERE ${quantity} > 0 AND ${quantity} <= ${q.lowStockThreshold}::numeric) AS low,
         count(*) FILTER (WHERE ${quantity} <= 0) AS out_of_stock
  FROM inventory_items i
  WHERE ${q.tenant.where("i")}
    AND ${raw(i.deleted_at)} IS NULL AND NOT ${raw(i.archived)} AND ${raw(i.product_active)}
    AND (${q.locationIds}::uuid[] IS NULL OR ${raw(i.location_id)} = ANY(${q.locationIds}::uuid[]))
  GROUP BY GROUPING SETS ((${raw(i.location_id)}, ${raw(i.product_category)}), ())
),
agg AS (${raw(groupings[q.groupBy])}),
picked AS (
  -- Each row's store name by key: a probe per row, whatever the statistics (the rows are few).
  (SELECT a.*, (SELECT ${raw(l.name)} FROM locations l WHERE ${raw(l.id)} = a.location_id) AS location_name
   FROM agg a WHERE NOT a.is_total ORDER BY location_name, a.location_id, a.category NULLS LAST LIMIT ${q.maxRows + 1})
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

export async function readInventoryReport(db: Executor, q: InventoryQuery) {
  const rows = await run(db, tenantStatement(q.tenant, inventorySql(q)));
  const totals = rows.find((r) => r.is_total);
  // With no stock at all, GROUPING SETS over no rows still yields the () row; keep a guard anyway.
  if (!totals) throw new Error("the inventory report query returned no totals row");
  return { rows: rows.filter((r) => !r.is_total), totals };
}
