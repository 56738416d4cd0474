// The rows a receipt becomes: its line_items (linked to products, with the cost at the time of
// sale), for both writers (one receipt, and the batch's bulk path).
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import type { Tenant } from "../db/tenant.js";
import { lockSkusShared } from "../lib/sku-locks.js";
import type { PreparedReceipt } from "./put.js";
import type { SkuLedger } from "./refunds.js";
import { costTotal } from "./totals.js";
import { type LineRow, productsBySku, type ReceiptColumns } from "./write-queries.js";

export type { LineRow };

/** Products by SKU, with their unit cost per store. */
export interface ProductIndex {
  id(sku: string): string | undefined;
  unitCost(locationId: string, sku: string): string | null | undefined;
}

/**
 * The merchant's products of these SKUs, with their stores' unit costs. SKUs without a product are
 * locked (shared, see src/lib/sku-locks.ts) and looked up again, so a product created at the same
 * moment is either found here or links these lines when it commits. Call before writing lines.
 */
export async function findProducts(
  client: pg.ClientBase,
  tenant: Tenant,
  locationIds: string[],
  skus: string[],
): Promise<ProductIndex> {
  const stores = [...new Set(locationIds)];
  const wanted = [...new Set(skus)];
  const rows = await productsBySku(client, tenant, stores, wanted);
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
    await lockSkusShared(client, tenant.merchantId, unknown);
    add(await productsBySku(client, tenant, stores, unknown));
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

/** The receipt's transactions row, with its links (customer, employee, refunded sale) and lines (for its cost). */
export function receiptColumns(
  id: string,
  receipt: PreparedReceipt,
  links: { customerId: string | null; employeeId: string | null; originalId: string | null; lines: LineRow[] },
): ReceiptColumns {
  const { body, totals } = receipt;
  return {
    id,
    pos_id: receipt.posId,
    location_id: receipt.location.id,
    customer_id: links.customerId,
    employee_id: links.employeeId,
    channel: body.channel,
    kind: receipt.kind,
    original_transaction_id: links.originalId,
    transacted_at: body.transacted_at,
    business_date: receipt.businessDate,
    subtotal: totals.subtotal,
    discount_total: totals.discount,
    tax_total: totals.tax,
    total: totals.total,
    cost_total: costTotal(links.lines.map((l) => ({ quantity: l.quantity, unitCost: l.unit_cost }))),
    body_hash: receipt.hash,
  };
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
