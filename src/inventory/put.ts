// PUT /v1/inventory: the POS reports stock, cost and price per store, with the product's fields.
// One database transaction for the whole call (it is a snapshot: all or nothing), three statements
// whatever its size: upsert the products (one per SKU), link earlier receipt lines of the SKUs it
// created, upsert the stock rows. Each upsert writes only rows whose values differ
// (ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM …), so unchanged items keep their change
// time. A changed product moves all its stock rows forward by itself (a database trigger), since
// every inventory record carries its product's fields. Rows are inserted in key order (ORDER BY),
// so two calls creating the same rows at once wait for each other instead of deadlocking.
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { recordAudit, type AuditEntry } from "../audit/record.js";
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { canonicalJson } from "../lib/canonical-json.js";
import { AppError, type ProblemIssue } from "../lib/errors.js";
import { loadWritableLocations, resolveLocation } from "../lib/locations.js";
import { lockSkusExclusive } from "../lib/sku-locks.js";
import { withTransaction, type WriteResult } from "../lib/write-transaction.js";
import type { InventoryItemInput } from "./write-schemas.js";

export const VIA_INVENTORY = "PUT /v1/inventory";

const PRODUCT_FIELDS = [
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
] as const;
type ProductField = (typeof PRODUCT_FIELDS)[number][0];

const STOCK_FIELDS = [
  ["quantity", "numeric"],
  ["unit_cost", "numeric"],
  ["sale_price", "numeric"],
  ["msrp", "numeric"],
  ["total_tax", "numeric"],
  ["in_stock", "boolean"],
  ["saleable", "boolean"],
  ["archived", "boolean"],
] as const;
type StockField = (typeof STOCK_FIELDS)[number][0];

const blank = (value: string | null | undefined) =>
  value === undefined || value === null || value.trim() === "" ? null : value;

/** The product columns an item stands for (blank text as null; custom attributes as JSON text). */
function productValues(item: InventoryItemInput): Record<ProductField, string | null> {
  const out = {} as Record<ProductField, string | null>;
  for (const [field] of PRODUCT_FIELDS) {
    const value = item[field];
    out[field] =
      field === "custom_attributes"
        ? JSON.stringify(value)
        : field === "name" || field === "currency"
          ? (value as string)
          : blank(value as string | null | undefined);
  }
  return out;
}

function stockValues(item: InventoryItemInput): Record<StockField, string | boolean | null> {
  return {
    quantity: item.quantity,
    unit_cost: item.unit_cost ?? null,
    sale_price: item.sale_price ?? null,
    msrp: item.msrp ?? null,
    total_tax: item.total_tax ?? null,
    in_stock: item.in_stock ?? !/^-?0(\.0+)?$/.test(item.quantity),
    saleable: item.saleable,
    archived: item.archived,
  };
}

interface PreparedItem {
  sku: string;
  locationId: string;
  product: Record<ProductField, string | null>;
  stock: Record<StockField, string | boolean | null>;
}

/** Checks the items against the stores and each other; 422 listing every issue, or the rows to write. */
export function prepareItems(
  items: InventoryItemInput[],
  locations: Awaited<ReturnType<typeof loadWritableLocations>>,
): PreparedItem[] {
  const issues: ProblemIssue[] = [];
  const prepared: PreparedItem[] = [];
  const seenAt = new Map<string, number>();
  const productOf = new Map<string, { index: number; text: string }>();
  items.forEach((item, i) => {
    const at = `body.items.${i}`;
    const negative = (
      ["quantity", "unit_cost", "sale_price", "msrp", "total_tax", "thc_percent", "cbd_percent"] as const
    ).filter((f) => item[f]?.startsWith("-"));
    for (const field of negative)
      issues.push({
        location: `${at}.${field}`,
        message: `${field} cannot be negative.`,
        code: field === "quantity" ? "negative_stock" : "negative_amount",
      });
    const resolved = resolveLocation(locations, item, at);
    if ("issue" in resolved) {
      issues.push(resolved.issue);
      return;
    }
    const key = `${resolved.location.id}/${item.sku}`;
    const first = seenAt.get(key);
    if (first !== undefined) {
      issues.push({
        location: `${at}.sku`,
        message: `sku ${item.sku} at this store is already item ${first} of this call.`,
        code: "duplicate_item",
      });
      return;
    }
    seenAt.set(key, i);
    const product = productValues(item);
    const text = canonicalJson(product);
    const earlier = productOf.get(item.sku);
    if (earlier && earlier.text !== text) {
      issues.push({
        location: at,
        message: `sku ${item.sku} has other product fields here than in item ${earlier.index}: a product is the same at every store.`,
        code: "conflicting_product",
      });
    } else if (!earlier) productOf.set(item.sku, { index: i, text });
    prepared.push({ sku: item.sku, locationId: resolved.location.id, product, stock: stockValues(item) });
  });
  if (issues.length)
    throw new AppError(
      "unprocessable",
      `The inventory has ${issues.length} ${issues.length === 1 ? "problem" : "problems"}; nothing was written.`,
      { issues },
    );
  return prepared;
}

const UPSERT_PRODUCTS = `
  WITH input AS (
    SELECT * FROM unnest($2::uuid[], $3::text[], ${PRODUCT_FIELDS.map(([, type], i) => `$${i + 4}::${type}[]`).join(", ")})
      AS x(id, sku, ${PRODUCT_FIELDS.map(([f]) => f).join(", ")})
  ), up AS (
    INSERT INTO products AS p (id, merchant_id, sku, ${PRODUCT_FIELDS.map(([f]) => f).join(", ")})
    SELECT id, $1, sku, ${PRODUCT_FIELDS.map(([f]) => f).join(", ")} FROM input ORDER BY sku
    ON CONFLICT (merchant_id, sku) DO UPDATE SET ${PRODUCT_FIELDS.map(([f]) => `${f} = EXCLUDED.${f}`).join(", ")}, deleted_at = NULL
     WHERE (${PRODUCT_FIELDS.map(([f]) => `p.${f}`).join(", ")}) IS DISTINCT FROM (${PRODUCT_FIELDS.map(([f]) => `EXCLUDED.${f}`).join(", ")})
        OR p.deleted_at IS NOT NULL
    RETURNING p.id, p.sku, (p.xmax = 0) AS created
  )
  SELECT x.sku, coalesce(up.id, old.id) AS id, coalesce(up.created, false) AS created, (up.id IS NOT NULL AND NOT up.created) AS updated
    FROM input x
    LEFT JOIN up ON up.sku = x.sku
    LEFT JOIN products old ON old.merchant_id = $1 AND old.sku = x.sku`;

const UPSERT_STOCK = `
  WITH input AS (
    SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], ${STOCK_FIELDS.map(([, type], i) => `$${i + 5}::${type}[]`).join(", ")})
      AS x(id, location_id, product_id, ${STOCK_FIELDS.map(([f]) => f).join(", ")})
  ), up AS (
    INSERT INTO inventory_items AS i (id, merchant_id, location_id, product_id, ${STOCK_FIELDS.map(([f]) => f).join(", ")})
    SELECT id, $1, location_id, product_id, ${STOCK_FIELDS.map(([f]) => f).join(", ")} FROM input ORDER BY location_id, product_id
    ON CONFLICT (location_id, product_id) DO UPDATE SET ${STOCK_FIELDS.map(([f]) => `${f} = EXCLUDED.${f}`).join(", ")}, deleted_at = NULL
     WHERE (${STOCK_FIELDS.map(([f]) => `i.${f}`).join(", ")}) IS DISTINCT FROM (${STOCK_FIELDS.map(([f]) => `EXCLUDED.${f}`).join(", ")})
        OR i.deleted_at IS NOT NULL
    RETURNING i.id, i.location_id, i.product_id, (i.xmax = 0) AS created
  )
  SELECT x.location_id, x.product_id, coalesce(up.id, old.id) AS id, coalesce(up.created, false) AS created, (up.id IS NOT NULL AND NOT up.created) AS updated
    FROM input x
    LEFT JOIN up ON up.location_id = x.location_id AND up.product_id = x.product_id
    LEFT JOIN inventory_items old ON old.location_id = x.location_id AND old.product_id = x.product_id`;

/** Earlier receipt lines of the SKUs just created, linked to their new product (under the SKU locks, see sku-locks.ts). */
const LINK_LINES = `
  UPDATE line_items li SET product_id = p.id
    FROM products p
   WHERE p.id = ANY($2::uuid[]) AND li.merchant_id = $1 AND li.sku = p.sku AND li.product_id IS NULL`;

export interface InventoryItemResult {
  sku: string;
  location_id: string;
  id: string;
  result: WriteResult;
}

async function upsertProducts(client: pg.ClientBase, auth: AuthContext, items: PreparedItem[]) {
  const bySku = new Map<string, PreparedItem>();
  for (const item of items) if (!bySku.has(item.sku)) bySku.set(item.sku, item);
  const products = [...bySku.values()];
  const { rows } = await client.query<{ sku: string; id: string; created: boolean; updated: boolean }>(
    UPSERT_PRODUCTS,
    [
      auth.merchantId,
      products.map(() => uuidv7()),
      products.map((p) => p.sku),
      ...PRODUCT_FIELDS.map(([field]) => products.map((p) => p.product[field])),
    ],
  );
  return new Map(rows.map((r) => [r.sku, r]));
}

export async function putInventory(
  db: Db,
  auth: AuthContext,
  items: InventoryItemInput[],
): Promise<InventoryItemResult[]> {
  const prepared = prepareItems(items, await loadWritableLocations(db.pool, auth));
  return withTransaction(db.pool, async (client) => {
    const products = await upsertProducts(client, auth, prepared);
    const created = [...products.values()].filter((p) => p.created);
    if (created.length) {
      await lockSkusExclusive(
        client,
        auth.merchantId,
        created.map((p) => p.sku),
      );
      await client.query(LINK_LINES, [auth.merchantId, created.map((p) => p.id)]);
    }

    const { rows: stock } = await client.query<{
      location_id: string;
      product_id: string;
      id: string;
      created: boolean;
      updated: boolean;
    }>(UPSERT_STOCK, [
      auth.merchantId,
      prepared.map(() => uuidv7()),
      prepared.map((item) => item.locationId),
      prepared.map((item) => products.get(item.sku)!.id),
      ...STOCK_FIELDS.map(([field]) => prepared.map((item) => item.stock[field])),
    ]);
    const stockOf = new Map(stock.map((r) => [`${r.location_id}/${r.product_id}`, r]));

    const audit: AuditEntry[] = [...products.values()]
      .filter((p) => p.created || p.updated)
      .map((p) => ({
        action: p.created ? "create" : "update",
        entity: "product",
        entityId: p.id,
        detail: { via: VIA_INVENTORY, sku: p.sku },
      }));
    const results = prepared.map((item): InventoryItemResult => {
      const product = products.get(item.sku)!;
      const row = stockOf.get(`${item.locationId}/${product.id}`)!;
      const result: WriteResult = row.created ? "created" : row.updated || product.updated ? "updated" : "unchanged";
      if (row.created || row.updated) {
        audit.push({
          action: row.created ? "create" : "update",
          entity: "inventory_item",
          entityId: row.id,
          detail: { via: VIA_INVENTORY, sku: item.sku, location_id: item.locationId, quantity: item.stock.quantity },
        });
      }
      return { sku: item.sku, location_id: item.locationId, id: row.id, result };
    });
    await recordAudit(client, auth, audit);
    return results;
  });
}
