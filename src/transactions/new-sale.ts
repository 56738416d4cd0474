// The one-round-trip path of a new sale (PUT /v1/transactions/{pos_id} and each receipt of a
// batch): one call of pos_bridge_put_new_sale (prisma/migrations/20261205020000_put_new_sale),
// outside BEGIN, so the call is its own transaction. It writes the receipt, its lines (linked to
// their products under the SKU locks) and its audit entry, or writes nothing and says why: the
// receipt exists (the caller answers 404 or unchanged from what it returns, or replaces it through
// the general path), or something only the general path handles (an unknown customer or employee,
// which it names in a 422; an insert race lost to another writer, which it then sees).
// A single PUT sends the read of the record it answers right behind the call, in the same round
// trip (putNewSaleAndRead).
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { type Executor, pipelined } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { withStatementRetries } from "../lib/write-transaction.js";
import type { PreparedReceipt } from "./put.js";
import { buildLineRows, type ProductIndex, receiptAuditDetail, receiptColumns } from "./receipt-rows.js";
import { callPutNewSale, type NewSale, type NewSaleOutcome } from "./write-queries.js";

export type { NewSaleOutcome };

/** A sale whose customer and employee, if any, are named by POS id (embedded ones are upserted by the general path). */
export const plainSale = (receipt: PreparedReceipt) =>
  receipt.kind === "sale" && !receipt.customer && !receipt.body.employee;

// The lines carry the unit cost sent, or null: the function links products and fills in the store's
// current cost itself, after the SKU locks.
const NO_PRODUCTS: ProductIndex = { id: () => undefined, unitCost: () => undefined };

function newSale(receipt: PreparedReceipt, auth: AuthContext, via: string): NewSale {
  const lines = buildLineRows(receipt, NO_PRODUCTS, null);
  return {
    receipt: receiptColumns(uuidv7(), receipt, { customerId: null, employeeId: null, originalId: null, lines }),
    customerPosUser: receipt.body.customer_pos_user ?? null,
    employeePosId: receipt.body.employee_pos_id ?? null,
    keyId: auth.keyId,
    detail: receiptAuditDetail(receipt, lines.length, null, via),
    lines,
  };
}

export function putNewSale(
  pool: pg.Pool,
  tenant: Tenant,
  auth: AuthContext,
  receipt: PreparedReceipt,
  via: string,
): Promise<NewSaleOutcome> {
  const sale = newSale(receipt, auth, via);
  return withStatementRetries(() => callPutNewSale(pool, tenant, sale));
}

/** Reads a receipt by our id (the record a single PUT answers). */
export type ReadBack<R> = (db: Executor, id: string) => Promise<R>;

/**
 * putNewSale, with `readBack` of the new sale's id sent right behind the call, in the same round trip
 * (db/sql.ts pipelined): it runs once the call has committed, so it reads the sale the call created.
 * `read` is its answer when the call created the sale (otherwise it read nothing of use: the caller
 * reads what it needs afterwards), and absent when the read failed.
 */
export function putNewSaleAndRead<R>(
  pool: pg.Pool,
  tenant: Tenant,
  auth: AuthContext,
  receipt: PreparedReceipt,
  via: string,
  readBack: ReadBack<R>,
): Promise<NewSaleOutcome & { read?: R }> {
  const sale = newSale(receipt, auth, via);
  return withStatementRetries(async () => {
    const [call, read] = await pipelined(pool, (client) => [
      callPutNewSale(client, tenant, sale),
      readBack(client, sale.receipt.id),
    ]);
    if (call.status === "rejected") throw call.reason;
    return call.value.outcome === "created" && read.status === "fulfilled"
      ? { ...call.value, read: read.value }
      : call.value;
  });
}
