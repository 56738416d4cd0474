// Reading inventory: the feed, declared to the paging engine (db/paging.ts). One statement per page:
// the page of inventory_items (on the index (merchant_id, updated_at, id)), joined to its products
// and locations, with margins and stock values computed in NUMERIC, so they are exact.
import { sql } from "kysely";
import type { Listing } from "../db/paging.js";
import { columnsOf, qb } from "../db/sql.js";
import type { InstantText } from "../lib/instant.js";
import { utcText } from "../lib/sync-feed.js";
import type { InventoryRecord } from "./schemas.js";

const i = columnsOf("inventory_items", "i");
const p = columnsOf("products", "p");
const l = columnsOf("locations", "l");

/**
 * Exact decimal text, written like money: at least 2 decimals, more only when they are not zero
 * (12.5000 → "12.50", 3.3333 → "3.3333", 25 × 3.3333 → "83.3325").
 */
const exact = (expr: string) =>
  `(CASE WHEN scale(trim_scale(${expr})) <= 2 THEN round(${expr}, 2) ELSE trim_scale(${expr}) END)::text`;

/** The record's columns from `i` (inventory_items), `p` (products) and `l` (locations). */
const COLUMNS = sql.raw(`
  ${i.id}, ${p.id} AS product_id, ${p.sku}, ${p.pos_product_id}, ${p.name}, ${p.brand}, ${p.category},
  ${p.parent_category}, ${p.variant}, ${p.size}, ${p.strain}, ${p.species}, ${p.grade}, ${p.barcode}, ${p.url},
  ${p.image_url}, ${p.description}, ${p.supplier_name}, ${p.supplier_id}, ${p.currency},
  trim_scale(${p.thc_percent})::text AS thc_percent, trim_scale(${p.cbd_percent})::text AS cbd_percent,
  ${p.custom_attributes},
  json_build_object('id', ${l.id}, 'pos_id', ${l.pos_id}, 'name', ${l.name}) AS location,
  trim_scale(${i.quantity})::text AS quantity,
  ${exact(i.unit_cost)} AS unit_cost, ${exact(i.sale_price)} AS sale_price, ${exact(i.msrp)} AS msrp,
  ${exact(i.total_tax)} AS total_tax,
  ${exact(`${i.sale_price} - ${i.unit_cost}`)} AS margin,
  round((${i.sale_price} - ${i.unit_cost}) * 100 / nullif(${i.sale_price}, 0), 2)::text AS margin_percent,
  ${exact(`${i.quantity} * ${i.unit_cost}`)} AS stock_value_at_cost,
  ${exact(`${i.quantity} * ${i.sale_price}`)} AS stock_value_at_price,
  ${i.in_stock}, ${i.saleable}, ${i.archived}, ${p.archived} AS product_archived,
  ${utcText(`coalesce(${i.deleted_at}, ${p.deleted_at})`)} AS deleted_at,
  ${utcText(i.created_at)} AS created_at, ${utcText(i.updated_at)} AS updated_at`);

export interface InventoryFilters {
  updated_from?: InstantText;
  updated_to?: InstantText;
  location_id?: string;
  sku?: string;
  in_stock?: boolean;
}

/** GET /v1/inventory and its export: the change feed of the key's merchant's items at the key's stores. */
export const inventoryListing: Listing<InventoryFilters, InventoryRecord, InventoryRecord, "inventory_items"> = {
  scope: "inventory.list",
  feed: "inventory",
  prepare: "inventory",
  table: "inventory_items",
  alias: "i",
  axes: { updated: "updated_at" },
  locations: true,
  pick: "rows",
  conditions: (filters, tenant) => [
    filters.location_id && sql`${sql.ref(i.location_id)} = ${filters.location_id}::uuid`,
    filters.in_stock !== undefined && sql`${sql.ref(i.in_stock)} = ${filters.in_stock}`,
    // A SKU is unique per merchant: its one product, then that product's rows (index on product_id).
    filters.sku &&
      sql`${sql.ref(i.product_id)} = (${qb
        .selectFrom("products")
        .select("id")
        .where(tenant.where("products", { locations: false }))
        .where("sku", "=", filters.sku)})`,
  ],
  // Product and location by key, each a LATERAL lookup the planner cannot merge (OFFSET 0): one
  // index probe per item, never a hash of the merchant's whole catalogue (see transactions/record-sql.ts).
  body: () => sql<InventoryRecord>`SELECT ${COLUMNS}
  FROM page i
  CROSS JOIN LATERAL (SELECT p.* FROM products p WHERE ${sql.raw(p.id)} = ${sql.raw(i.product_id)} OFFSET 0) p
  CROSS JOIN LATERAL (SELECT ${sql.raw(`${l.id}, ${l.pos_id}, ${l.name}`)} FROM locations l WHERE ${sql.raw(
    l.id,
  )} = ${sql.raw(i.location_id)} OFFSET 0) l
 ORDER BY ${sql.raw(i.updated_at)}, ${sql.raw(i.id)}`,
  positionOf: (record) => [record.updated_at, record.id],
};
