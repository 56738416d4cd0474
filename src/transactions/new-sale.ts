// The one-round-trip path of a new sale (PUT /v1/transactions/{pos_id} and each receipt of a
// batch): one call of pos_bridge_put_new_sale (prisma/migrations/20261205020000_put_new_sale),
// outside BEGIN, so the call is its own transaction. It writes the receipt, its lines (linked to
// their products under the SKU locks) and its audit entry, or writes nothing and says why: the
// receipt exists (the caller answers 404 or unchanged from what it returns, or replaces it through
// the general path), or something only the general path handles (an unknown customer or employee,
// which it names in a 422; an insert race lost to another writer, which it then sees).
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import type { AuthContext } from "../keys/scopes.js";
import { withStatementRetries } from "../lib/write-transaction.js";
import type { PreparedReceipt } from "./put.js";
import { buildLineRows, receiptAuditDetail, type ProductIndex } from "./receipt-rows.js";

export type NewSaleOutcome =
  | { outcome: "created"; id: string }
  | { outcome: "exists"; id: string; body_hash: string | null; location_id: string }
  | { outcome: "fallback" };

/** A sale whose customer and employee, if any, are named by POS id (embedded ones are upserted by the general path). */
export const plainSale = (receipt: PreparedReceipt) =>
  receipt.kind === "sale" && !receipt.customer && !receipt.body.employee;

// The lines carry the unit cost sent, or null: the function links products and fills in the store's
// current cost itself, after the SKU locks.
const NO_PRODUCTS: ProductIndex = { id: () => undefined, unitCost: () => undefined };

const PUT_NEW_SALE = `SELECT pos_bridge_put_new_sale($1, $2, $3, $4, $5, $6, $7::"Channel", $8, $9::date, $10, $11, $12, $13, $14, $15, $16::jsonb, $17::jsonb) AS outcome`;

export async function putNewSale(
  pool: pg.Pool,
  auth: AuthContext,
  receipt: PreparedReceipt,
  via: string,
): Promise<NewSaleOutcome> {
  const { body, totals } = receipt;
  const lines = buildLineRows(receipt, NO_PRODUCTS, null);
  const id = uuidv7();
  const values = [
    id,
    auth.merchantId,
    receipt.posId,
    receipt.location.id,
    body.customer_pos_user ?? null,
    body.employee_pos_id ?? null,
    body.channel,
    body.transacted_at,
    receipt.businessDate,
    totals.subtotal,
    totals.discount,
    totals.tax,
    totals.total,
    receipt.hash,
    auth.keyId,
    JSON.stringify(receiptAuditDetail(receipt, lines.length, null, via)),
    JSON.stringify(lines),
  ];
  return withStatementRetries(
    async () =>
      (await pool.query<{ outcome: NewSaleOutcome }>({ name: "put-new-sale", text: PUT_NEW_SALE, values })).rows[0]!
        .outcome,
  );
}
