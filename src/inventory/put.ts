// PUT /v1/inventory: the POS reports stock, cost and price per store, with the product's fields.
// One database transaction for the whole call (it is a snapshot: all or nothing), three statements
// whatever its size (inventory/write-queries.ts); unchanged items keep their change time. A changed
// product moves all its stock rows forward by itself (a database trigger), since every inventory
// record carries its product's fields.
import type pg from "pg";
import { type AuditEntry, recordAudit } from "../audit/record.js";
import { blankToNull } from "../customers/put.js";
import type { Db } from "../db/client.js";
import { execute, run } from "../db/sql.js";
import { type Tenant, tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { canonicalJson } from "../lib/canonical-json.js";
import { AppError, type ProblemIssue } from "../lib/errors.js";
import { loadWritableLocations, resolveLocation } from "../lib/locations.js";
import { lockSkusExclusive } from "../lib/sku-locks.js";
import { RetryTransaction, type WriteResult, withTransaction } from "../lib/write-transaction.js";
import {
  linkLinesStatement,
  PRODUCT_FIELDS,
  type ProductField,
  type ProductInput,
  type StockField,
  upsertProductsStatement,
  upsertStockStatement,
} from "./write-queries.js";
import type { InventoryItemInput } from "./write-schemas.js";

export const VIA_INVENTORY = "PUT /v1/inventory";

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
          : blankToNull(value as string | null | undefined);
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
        message:
          `sku ${item.sku} has other product fields here than in item ${earlier.index}: a product is the ` +
          `same at every store.`,
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

export interface InventoryItemResult {
  sku: string;
  location_id: string;
  id: string;
  result: WriteResult;
}

async function upsertProducts(client: pg.ClientBase, tenant: Tenant, items: PreparedItem[]) {
  const bySku = new Map<string, ProductInput>();
  for (const item of items) if (!bySku.has(item.sku)) bySku.set(item.sku, { sku: item.sku, values: item.product });
  const rows = await run(client, upsertProductsStatement(tenant, [...bySku.values()]));
  // A SKU created by a transaction that committed while this statement waited on its row, with the same fields:
  // the upsert changes nothing and so returns nothing, and the statement's snapshot (taken before that commit)
  // cannot see the product either. Run the attempt again: its new snapshot sees it.
  if (rows.some((r) => r.id === null)) throw new RetryTransaction();
  return new Map(rows.map((r) => [r.sku, r]));
}

export async function putInventory(
  db: Db,
  auth: AuthContext,
  items: InventoryItemInput[],
): Promise<InventoryItemResult[]> {
  const prepared = prepareItems(items, await loadWritableLocations(db.pool, auth, items));
  const tenant = tenantOf(auth);
  return withTransaction(db.pool, async (client) => {
    const products = await upsertProducts(client, tenant, prepared);
    const created = [...products.values()].filter((p) => p.created);
    if (created.length) {
      await lockSkusExclusive(
        client,
        auth.merchantId,
        created.map((p) => p.sku),
      );
      await execute(
        client,
        linkLinesStatement(
          tenant,
          created.map((p) => p.id),
        ),
      );
    }

    const stock = await run(
      client,
      upsertStockStatement(
        tenant,
        prepared.map((item) => ({
          locationId: item.locationId,
          productId: products.get(item.sku)!.id,
          values: item.stock,
        })),
      ),
    );
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
