// Reading inventory: the SQL of the feed. One statement per page: the page of inventory_items
// (on the index (merchant_id, updated_at, id)), joined to its products and locations, with
// margins and stock values computed in NUMERIC, so they are exact.
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { opaque, preparedStatement, rowsBound } from "../lib/stable-plan.js";
import { utcText } from "../lib/sync-feed.js";
import type { InventoryRecord } from "./schemas.js";

/**
 * Exact decimal text, written like money: at least 2 decimals, more only when they are not zero
 * (12.5000 → "12.50", 3.3333 → "3.3333", 25 × 3.3333 → "83.3325").
 */
const exact = (expr: string) =>
  `(CASE WHEN scale(trim_scale(${expr})) <= 2 THEN round(${expr}, 2) ELSE trim_scale(${expr}) END)::text`;

/** The record's columns from `i` (inventory_items), `p` (products) and `l` (locations). */
const COLUMNS = `
  i.id, p.id AS product_id, p.sku, p.pos_product_id, p.name, p.brand, p.category, p.parent_category, p.variant,
  p.size, p.strain, p.species, p.grade, p.barcode, p.url, p.image_url, p.description, p.supplier_name, p.supplier_id,
  p.currency, trim_scale(p.thc_percent)::text AS thc_percent, trim_scale(p.cbd_percent)::text AS cbd_percent,
  p.custom_attributes,
  json_build_object('id', l.id, 'pos_id', l.pos_id, 'name', l.name) AS location,
  trim_scale(i.quantity)::text AS quantity,
  ${exact("i.unit_cost")} AS unit_cost, ${exact("i.sale_price")} AS sale_price, ${exact("i.msrp")} AS msrp,
  ${exact("i.total_tax")} AS total_tax,
  ${exact("i.sale_price - i.unit_cost")} AS margin,
  round((i.sale_price - i.unit_cost) * 100 / nullif(i.sale_price, 0), 2)::text AS margin_percent,
  ${exact("i.quantity * i.unit_cost")} AS stock_value_at_cost,
  ${exact("i.quantity * i.sale_price")} AS stock_value_at_price,
  i.in_stock, i.saleable, i.archived, p.archived AS product_archived,
  ${utcText("coalesce(i.deleted_at, p.deleted_at)")} AS deleted_at,
  ${utcText("i.created_at")} AS created_at, ${utcText("i.updated_at")} AS updated_at`;

export interface InventoryPageFilter {
  /** Inclusive lower bound on the change time (ISO text). */
  from?: string;
  /** Exclusive upper bound on the change time (ISO text): the feed's horizon or the client's updated_to. */
  to: string;
  /** Continue strictly after this (change time, id). */
  after?: [string, string];
  locationId?: string;
  sku?: string;
  inStock?: boolean;
  /** Rows to fetch (the page's limit + 1, to know whether more follow). */
  take: number;
}

/** One page of the merchant's inventory items visible to the key, in (updated_at, id) order. */
export async function readInventoryPage(
  db: Db,
  auth: AuthContext,
  filter: InventoryPageFilter,
): Promise<{ record: InventoryRecord; position: [string, string] }[]> {
  const { text, values } = inventoryPageQuery(auth, filter);
  const { rows } = await db.pool.query<InventoryRecord>(preparedStatement("inventory", text, values));
  return rows.map((record) => ({ record, position: [record.updated_at, record.id] }));
}

/** The SQL of readInventoryPage (its rows are the records), for callers that run it on a connection of their own (the export). */
export function inventoryPageQuery(
  auth: AuthContext,
  filter: InventoryPageFilter,
): { text: string; values: unknown[] } {
  const params: unknown[] = [auth.merchantId];
  const param = (value: unknown) => `$${params.push(value)}`;
  // The merchant and the time bounds hidden from the planner, so a warm connection keeps one plan (lib/stable-plan.ts).
  const hidden = (value: unknown, cast: string) => opaque(`${param(value)}${cast}`);
  const where = [`i.merchant_id = ${opaque("$1::uuid")}`, `i.updated_at < ${hidden(filter.to, "::timestamptz")}`];
  if (auth.locationIds) where.push(`i.location_id = ANY(${param(auth.locationIds)}::uuid[])`);
  if (filter.from) where.push(`i.updated_at >= ${hidden(filter.from, "::timestamptz")}`);
  if (filter.after)
    where.push(
      `(i.updated_at, i.id) > (${hidden(filter.after[0], "::timestamptz")}, ${hidden(filter.after[1], "::uuid")})`,
    );
  if (filter.locationId) where.push(`i.location_id = ${param(filter.locationId)}::uuid`);
  if (filter.inStock !== undefined) where.push(`i.in_stock = ${param(filter.inStock)}`);
  // A SKU is unique per merchant: its one product, then that product's rows (index on product_id).
  if (filter.sku)
    where.push(`i.product_id = (SELECT id FROM products WHERE merchant_id = $1 AND sku = ${param(filter.sku)})`);

  // Product and location by key, each a LATERAL lookup the planner cannot merge (OFFSET 0): one
  // index probe per item, never a hash of the merchant's whole catalogue (see record-sql.ts).
  const text = `WITH page AS (
       SELECT * FROM (
         SELECT i.* FROM inventory_items i
          WHERE ${where.join(" AND ")}
          ORDER BY i.updated_at, i.id
          LIMIT ${rowsBound(filter.take)}
       ) bounded
       ORDER BY updated_at, id
       LIMIT ${param(filter.take)}
     )
     SELECT ${COLUMNS}
       FROM page i
       CROSS JOIN LATERAL (SELECT p.* FROM products p WHERE p.id = i.product_id OFFSET 0) p
       CROSS JOIN LATERAL (SELECT l.id, l.pos_id, l.name FROM locations l WHERE l.id = i.location_id OFFSET 0) l
      ORDER BY i.updated_at, i.id`;
  return { text, values: params };
}
