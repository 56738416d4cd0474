// The rows a receipt becomes: its line_items (linked to products, with the cost at the time of
// sale) and the column lists both writers (one receipt, and the batch's bulk path) insert with.
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { lockSkusShared } from "../lib/sku-locks.js";
import type { PreparedReceipt } from "./put.js";
import type { SkuLedger } from "./refunds.js";

export interface LineRow {
  id: string;
  line_number: number;
  product_id: string | null;
  sku: string;
  pos_product_id: string | null;
  name: string;
  brand: string | null;
  category: string | null;
  parent_category: string | null;
  size: string | null;
  strain: string | null;
  grade: string | null;
  species: string | null;
  unit_price: string;
  quantity: string;
  discount: string;
  tax: string;
  line_total: string;
  unit_cost: string | null;
}

export const LINE_COLUMNS = [
  ["id", "uuid"],
  ["line_number", "int"],
  ["product_id", "uuid"],
  ["sku", "text"],
  ["pos_product_id", "text"],
  ["name", "text"],
  ["brand", "text"],
  ["category", "text"],
  ["parent_category", "text"],
  ["size", "text"],
  ["strain", "text"],
  ["grade", "text"],
  ["species", "text"],
  ["unit_price", "numeric"],
  ["quantity", "numeric"],
  ["discount", "numeric"],
  ["tax", "numeric"],
  ["line_total", "numeric"],
  ["unit_cost", "numeric"],
] as const satisfies readonly (readonly [keyof LineRow, string])[];

/** The lines as one array parameter per column, for a single multi-row INSERT … SELECT FROM unnest. */
export const lineArrays = (lines: LineRow[]) => LINE_COLUMNS.map(([name]) => lines.map((l) => l[name]));

/** Products by SKU, with their unit cost per store. */
export interface ProductIndex {
  id(sku: string): string | undefined;
  unitCost(locationId: string, sku: string): string | null | undefined;
}

async function lookupProducts(client: pg.ClientBase, merchantId: string, locationIds: string[], skus: string[]) {
  const { rows } = await client.query<{
    sku: string;
    id: string;
    location_id: string | null;
    unit_cost: string | null;
  }>(
    `SELECT p.sku, p.id, i.location_id, i.unit_cost::text FROM products p
       LEFT JOIN inventory_items i ON i.product_id = p.id AND i.location_id = ANY($2::uuid[])
      WHERE p.merchant_id = $1 AND p.sku = ANY($3::text[])`,
    [merchantId, locationIds, skus],
  );
  return rows;
}

/**
 * The merchant's products of these SKUs, with their stores' unit costs. SKUs without a product are
 * locked (shared, see src/lib/sku-locks.ts) and looked up again, so a product created at the same
 * moment is either found here or links these lines when it commits. Call before writing lines.
 */
export async function findProducts(
  client: pg.ClientBase,
  merchantId: string,
  locationIds: string[],
  skus: string[],
): Promise<ProductIndex> {
  const stores = [...new Set(locationIds)];
  const wanted = [...new Set(skus)];
  const rows = await lookupProducts(client, merchantId, stores, wanted);
  const ids = new Map<string, string>();
  const costs = new Map<string, string | null>();
  const add = (found: typeof rows) => {
    for (const row of found) {
      ids.set(row.sku, row.id);
      if (row.location_id) costs.set(`${row.location_id}/${row.sku}`, row.unit_cost);
    }
  };
  add(rows);
  const unknown = wanted.filter((sku) => !ids.has(sku));
  if (unknown.length) {
    await lockSkusShared(client, merchantId, unknown);
    add(await lookupProducts(client, merchantId, stores, unknown));
  }
  return { id: (sku) => ids.get(sku), unitCost: (locationId, sku) => costs.get(`${locationId}/${sku}`) };
}

/**
 * The receipt's line rows: linked to the product of their SKU when it exists, with the unit cost
 * at the time of sale: the one sent, else (for a refund) the cost on its sale, else the store's
 * current unit cost, else unknown (null).
 */
export function buildLineRows(
  receipt: PreparedReceipt,
  products: ProductIndex,
  ledger: Map<string, SkuLedger> | null,
): LineRow[] {
  return receipt.body.lines.map((line, i) => {
    const unitCost =
      line.unit_cost !== undefined
        ? line.unit_cost
        : (ledger?.get(line.sku)?.unitCost ?? products.unitCost(receipt.location.id, line.sku) ?? null);
    const amounts = receipt.amounts[i]!;
    return {
      id: uuidv7(),
      line_number: i + 1,
      product_id: products.id(line.sku) ?? null,
      sku: line.sku,
      pos_product_id: line.pos_product_id || null,
      name: line.name,
      brand: line.brand || null,
      category: line.category || null,
      parent_category: line.parent_category || null,
      size: line.size || null,
      strain: line.strain || null,
      grade: line.grade || null,
      species: line.species || null,
      unit_price: line.unit_price,
      quantity: line.quantity,
      discount: amounts.discount,
      tax: amounts.tax,
      line_total: amounts.lineTotal,
      unit_cost: unitCost,
    };
  });
}

/** The audit detail of a receipt write: ids, counts and amounts, no personal data. */
export function receiptAuditDetail(
  receipt: PreparedReceipt,
  lineCount: number,
  originalId: string | null,
  via: string,
) {
  return {
    via,
    pos_id: receipt.posId,
    kind: receipt.kind,
    location_id: receipt.location.id,
    lines: lineCount,
    total: receipt.totals.total,
    ...(originalId ? { original_transaction_id: originalId } : {}),
  };
}
