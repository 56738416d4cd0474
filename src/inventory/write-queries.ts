// The SQL of PUT /v1/inventory, typed from schema.prisma (src/db/sql.ts) and scoped to the key's
// merchant by db/tenant.ts. Three statements whatever the call's size, each over unnest()ed arrays
// (one array per column): upsert the products (one per SKU), link earlier receipt lines of the SKUs
// it created, upsert the stock rows. Each upsert writes only rows whose values differ
// (ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM …), so unchanged items keep their change time.
// Rows are inserted in key order (ORDER BY), so two calls creating the same rows at once wait for
// each other instead of deadlocking.
import { sql } from "kysely";
import { v7 as uuidv7 } from "uuid";
import { type Columns, columnsOf, type Row, type TableName, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";

/** A column written from an array of the given PostgreSQL type. */
type Field<T extends TableName> = readonly [keyof Row<T> & string, "text" | "numeric" | "jsonb" | "boolean"];
type Fields = readonly (readonly [string, string])[];

export const PRODUCT_FIELDS = [
  ["pos_product_id", "text"],
  ["name", "text"],
  ["brand", "text"],
  ["category", "text"],
  ["parent_category", "text"],
  ["variant", "text"],
  ["size", "text"],
  ["strain", "text"],
  ["species", "text"],
  ["grade", "text"],
  ["barcode", "text"],
  ["url", "text"],
  ["image_url", "text"],
  ["description", "text"],
  ["supplier_name", "text"],
  ["supplier_id", "text"],
  ["currency", "text"],
  ["thc_percent", "numeric"],
  ["cbd_percent", "numeric"],
  ["custom_attributes", "jsonb"],
] as const satisfies readonly Field<"products">[];

export const STOCK_FIELDS = [
  ["quantity", "numeric"],
  ["unit_cost", "numeric"],
  ["sale_price", "numeric"],
  ["msrp", "numeric"],
  ["total_tax", "numeric"],
  ["in_stock", "boolean"],
  ["saleable", "boolean"],
  ["archived", "boolean"],
] as const satisfies readonly Field<"inventory_items">[];

export type ProductField = (typeof PRODUCT_FIELDS)[number][0];
export type StockField = (typeof STOCK_FIELDS)[number][0];

/** Column names, bare ("name") or under an alias ("p"."name"). */
const names = (fields: Fields, alias?: string) =>
  sql.join(fields.map(([field]) => (alias ? sql.ref(`${alias}.${field}`) : sql.id(field))));
/** Some of a table's columns, bare. */
const cols = <T extends TableName>(_table: T, ...columns: (keyof Row<T> & string)[]) =>
  sql.join(columns.map((column) => sql.id(column)));
/** One typed array per column, of the rows' values. */
const arrays = <R>(fields: Fields, rows: R[], value: (row: R, field: string) => unknown) =>
  sql.join(fields.map(([field, type]) => sql`${rows.map((row) => value(row, field))}::${sql.raw(type)}[]`));
/** `a = EXCLUDED.a, …` */
const replaced = (fields: Fields) =>
  sql.join(fields.map(([field]) => sql`${sql.id(field)} = ${sql.ref(`excluded.${field}`)}`));
/** Whether the stored row differs from the one proposed (or is deleted). */
const differs = (fields: Fields, alias: string) =>
  sql`(${names(fields, alias)}) IS DISTINCT FROM (${names(fields, "excluded")})
       OR ${sql.ref(`${alias}.deleted_at`)} IS NOT NULL`;

/** What an upsert did to each row: created, updated (a value differed), or neither. */
interface Outcome {
  created: boolean;
  updated: boolean;
}

export interface ProductInput {
  sku: string;
  values: Record<ProductField, string | null>;
}

/** Upserts one product per SKU; answers each SKU's product id and outcome. */
export function upsertProductsStatement(tenant: Tenant, products: ProductInput[]) {
  const p = columnsOf("products", "p");
  const x = columnsOf("products", "x");
  const up = columnsOf("products", "up");
  const old = columnsOf("products", "old");
  return tenantStatement(
    tenant,
    sql<Columns<"products", "sku" | "id"> & Outcome>`
  WITH input AS (
    SELECT * FROM unnest(${products.map(() => uuidv7())}::uuid[], ${products.map((row) => row.sku)}::text[],
                         ${arrays(PRODUCT_FIELDS, products, (row, field) => row.values[field as ProductField])})
      AS x(${cols("products", "id", "sku")}, ${names(PRODUCT_FIELDS)})
  ), up AS (
    INSERT INTO ${sql.table("products")} AS p
           (${cols("products", "id", "merchant_id", "sku")}, ${names(PRODUCT_FIELDS)})
    SELECT ${cols("products", "id")}, ${tenant.merchant}, ${cols("products", "sku")}, ${names(PRODUCT_FIELDS)}
      FROM input ORDER BY ${cols("products", "sku")}
    ON CONFLICT (${cols("products", "merchant_id", "sku")}) DO UPDATE
       SET ${replaced(PRODUCT_FIELDS)}, ${cols("products", "deleted_at")} = NULL
     WHERE ${differs(PRODUCT_FIELDS, "p")}
    RETURNING ${sql.ref(p.id)}, ${sql.ref(p.sku)}, (p.xmax = 0) AS created
  )
  SELECT ${sql.ref(x.sku)}, coalesce(${sql.ref(up.id)}, ${sql.ref(old.id)}) AS id,
         coalesce(up.created, false) AS created,
         (${sql.ref(up.id)} IS NOT NULL AND NOT up.created) AS updated
    FROM input x
    LEFT JOIN up ON ${sql.ref(up.sku)} = ${sql.ref(x.sku)}
    LEFT JOIN ${sql.table("products")} old
           ON ${tenant.where("old", { locations: false })} AND ${sql.ref(old.sku)} = ${sql.ref(x.sku)}`,
  );
}

/** Earlier receipt lines of the SKUs of these new products, linked to them (under the SKU locks, see sku-locks.ts). */
export function linkLinesStatement(tenant: Tenant, productIds: string[]) {
  const li = columnsOf("line_items", "li");
  const p = columnsOf("products", "p");
  return tenantStatement(
    tenant,
    sql`UPDATE ${sql.table("line_items")} li SET ${cols("line_items", "product_id")} = ${sql.ref(p.id)}
    FROM ${sql.table("products")} p
   WHERE ${sql.ref(p.id)} = ANY(${productIds}::uuid[]) AND ${tenant.where("li", { locations: false })}
     AND ${sql.ref(li.sku)} = ${sql.ref(p.sku)} AND ${sql.ref(li.product_id)} IS NULL`,
  );
}

export interface StockInput {
  locationId: string;
  productId: string;
  values: Record<StockField, string | boolean | null>;
}

/** Upserts the stock rows (one per store and product); answers each one's id and outcome. */
export function upsertStockStatement(tenant: Tenant, rows: StockInput[]) {
  const i = columnsOf("inventory_items", "i");
  const x = columnsOf("inventory_items", "x");
  const up = columnsOf("inventory_items", "up");
  const old = columnsOf("inventory_items", "old");
  const item = cols("inventory_items", "location_id", "product_id");
  const sameItem = (a: typeof x, b: typeof x) =>
    sql`${sql.ref(a.location_id)} = ${sql.ref(b.location_id)} AND ${sql.ref(a.product_id)} = ${sql.ref(b.product_id)}`;
  return tenantStatement(
    tenant,
    sql<Columns<"inventory_items", "location_id" | "product_id" | "id"> & Outcome>`
  WITH input AS (
    SELECT * FROM unnest(${rows.map(() => uuidv7())}::uuid[], ${rows.map((row) => row.locationId)}::uuid[],
                         ${rows.map((row) => row.productId)}::uuid[],
                         ${arrays(STOCK_FIELDS, rows, (row, field) => row.values[field as StockField])})
      AS x(${cols("inventory_items", "id", "location_id", "product_id")}, ${names(STOCK_FIELDS)})
  ), up AS (
    INSERT INTO ${sql.table("inventory_items")} AS i
           (${cols("inventory_items", "id", "merchant_id", "location_id", "product_id")}, ${names(STOCK_FIELDS)})
    SELECT ${cols("inventory_items", "id")}, ${tenant.merchant}, ${item}, ${names(STOCK_FIELDS)}
      FROM input ORDER BY ${item}
    ON CONFLICT (${item}) DO UPDATE SET ${replaced(STOCK_FIELDS)}, ${cols("inventory_items", "deleted_at")} = NULL
     WHERE ${differs(STOCK_FIELDS, "i")}
    RETURNING ${sql.ref(i.id)}, ${sql.ref(i.location_id)}, ${sql.ref(i.product_id)}, (i.xmax = 0) AS created
  )
  SELECT ${sql.ref(x.location_id)}, ${sql.ref(x.product_id)}, coalesce(${sql.ref(up.id)}, ${sql.ref(old.id)}) AS id,
         coalesce(up.created, false) AS created, (${sql.ref(up.id)} IS NOT NULL AND NOT up.created) AS updated
    FROM input x
    LEFT JOIN up ON ${sameItem(up, x)}
    LEFT JOIN ${sql.table("inventory_items")} old
           ON ${tenant.where("old", { locations: false })} AND ${sameItem(old, x)}`,
  );
}
