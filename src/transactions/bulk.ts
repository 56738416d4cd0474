// The batch's fast path: the plain sales of a batch written together, in one database transaction
// of a few set-based statements (a batch of 500 receipts and 2,500 lines is about ten statements,
// not thousands), with the same rules and the same rows as writing each with PUT.
//
// Which receipts take it (bulkEligible): sales whose pos_id appears once in the batch, that no
// refund of the batch names, with customer and employee named by POS id (not embedded) and not
// embedded by another receipt of the batch. Such a receipt depends on no other receipt of the
// batch, so writing it before the others gives the same outcome as writing in order. Everything
// else (refunds and their sales, repeated pos_ids, embedded people) is written one by one after.
//
// Inside, the bulk path hands back to one-by-one writing whatever it cannot decide set-wise: a
// receipt another request created meanwhile (the insert found it), an existing sale that has
// refunds (its quantities must be checked against them). Receipts it rejects get the same errors
// a PUT would give. If the transaction fails as a whole, every receipt is handed back, so one bad
// receipt still never rejects the others.
//
// Lock order, as in put.ts: the receipts' rows in pos_id order (new ones inserted in pos_id order),
// then the SKU advisory locks before any line is written, so concurrent batches and PUTs cannot
// deadlock each other (an inventory PUT linking their lines can: see put.ts).
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { type AuditEntry, recordAudit } from "../audit/record.js";
import type { Db } from "../db/client.js";
import { type Tenant, tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { databaseFault } from "../lib/database-faults.js";
import type { AppError } from "../lib/errors.js";
import { type WriteResult, withTransaction } from "../lib/write-transaction.js";
import {
  invisible,
  type PreparedReceipt,
  unknownCustomer,
  unknownEmployee,
  unprocessable,
  visibleTo,
  voidedConflict,
} from "./put.js";
import { buildLineRows, findProducts, receiptAuditDetail, receiptColumns } from "./receipt-rows.js";
import {
  CUSTOMER_BY_POS_USER,
  deleteLines,
  EMPLOYEE_BY_POS_ID,
  idsByPosKey,
  insertLines,
  insertReceipts,
  lockReceiptsWithRefunds,
  type ReceiptLineRow,
  receiptsByPosId,
  updateReceipts,
} from "./write-queries.js";

export type BulkOutcome = { kind: "written"; id: string; result: WriteResult } | { kind: "error"; error: AppError };

/** The receipts of a batch (by index) that the bulk path may write, per the rule above. */
export function bulkEligible(receipts: (PreparedReceipt | null)[]): Set<number> {
  const count = new Map<string, number>();
  const namedAsOriginal = new Set<string>();
  const embeddedCustomers = new Set<string>();
  const embeddedEmployees = new Set<string>();
  for (const r of receipts) {
    if (!r) continue;
    count.set(r.posId, (count.get(r.posId) ?? 0) + 1);
    if (r.body.original_pos_id) namedAsOriginal.add(r.body.original_pos_id);
    if (r.customer) embeddedCustomers.add(r.customer.posUser);
    if (r.body.employee) embeddedEmployees.add(r.body.employee.pos_id);
  }
  const eligible = new Set<number>();
  receipts.forEach((r, i) => {
    if (r?.kind !== "sale" || r.customer || r.body.employee) return;
    if (count.get(r.posId)! > 1 || namedAsOriginal.has(r.posId)) return;
    if (r.body.customer_pos_user !== undefined && embeddedCustomers.has(r.body.customer_pos_user)) return;
    if (r.body.employee_pos_id !== undefined && embeddedEmployees.has(r.body.employee_pos_id)) return;
    eligible.add(i);
  });
  return eligible;
}

/**
 * Writes what it can of `receipts` (all bulk-eligible) in one transaction. Returns an outcome per
 * receipt it decided; the receipts without one are left for one-by-one writing.
 */
export async function writeInBulk(
  db: Db,
  auth: AuthContext,
  receipts: PreparedReceipt[],
  via: string,
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void },
): Promise<Map<PreparedReceipt, BulkOutcome>> {
  if (receipts.length === 0) return new Map();
  const tenant = tenantOf(auth);
  // Re-sent backfills are mostly unchanged: find those without a transaction or a lock.
  const seen = await receiptsByPosId(
    db.pool,
    tenant,
    receipts.map((r) => r.posId),
  );
  const seenByPosId = new Map(seen.map((s) => [s.pos_id, s]));
  const decided = new Map<PreparedReceipt, BulkOutcome>();
  const pending: PreparedReceipt[] = [];
  for (const r of receipts) {
    const s = seenByPosId.get(r.posId);
    if (s && visibleTo(auth, s.location_id) && s.body_hash === r.hash)
      decided.set(r, { kind: "written", id: s.id, result: "unchanged" });
    else pending.push(r);
  }
  if (pending.length === 0) return decided;

  try {
    const written = await withTransaction(db.pool, (client) => bulkTransaction(client, tenant, auth, pending, via));
    for (const [r, outcome] of written) decided.set(r, outcome);
  } catch (err) {
    // Left undecided: each is written on its own, where its own error (if any) is reported.
    if (databaseFault(err))
      log.warn(
        { err },
        "bulk write of a batch refused: the database is unavailable; its receipts are tried one by one",
      );
    else log.error({ err }, "bulk write of a batch failed; writing its receipts one by one");
  }
  return decided;
}

async function bulkTransaction(
  client: pg.ClientBase,
  tenant: Tenant,
  auth: AuthContext,
  receipts: PreparedReceipt[],
  via: string,
): Promise<Map<PreparedReceipt, BulkOutcome>> {
  const out = new Map<PreparedReceipt, BulkOutcome>();
  const reject = (r: PreparedReceipt, error: AppError) => out.set(r, { kind: "error", error });

  const existingRows = await lockReceiptsWithRefunds(
    client,
    tenant,
    receipts.map((r) => r.posId),
  );
  const existing = new Map(existingRows.map((e) => [e.pos_id, e]));

  const customers = await idsByPosKey(
    client,
    tenant,
    CUSTOMER_BY_POS_USER,
    receipts.flatMap((r) => r.body.customer_pos_user ?? []),
  );
  const employees = await idsByPosKey(
    client,
    tenant,
    EMPLOYEE_BY_POS_ID,
    receipts.flatMap((r) => r.body.employee_pos_id ?? []),
  );

  const toWrite: {
    receipt: PreparedReceipt;
    existing: (typeof existingRows)[number] | undefined;
    customerId: string | null;
    employeeId: string | null;
  }[] = [];
  for (const r of receipts) {
    const e = existing.get(r.posId);
    if (e && !visibleTo(auth, e.location_id)) {
      reject(r, invisible());
      continue;
    }
    if (e?.body_hash === r.hash) {
      out.set(r, { kind: "written", id: e.id, result: "unchanged" });
      continue;
    }
    if (e?.status === "voided") {
      reject(r, voidedConflict());
      continue;
    }
    if (e?.has_refunds) continue; // one by one: its new quantities are checked against its refunds
    const issues = [];
    const customerId =
      r.body.customer_pos_user === undefined ? null : (customers.get(r.body.customer_pos_user) ?? null);
    if (r.body.customer_pos_user !== undefined && !customerId)
      issues.push(unknownCustomer(r.at, r.body.customer_pos_user));
    const employeeId = r.body.employee_pos_id === undefined ? null : (employees.get(r.body.employee_pos_id) ?? null);
    if (r.body.employee_pos_id !== undefined && !employeeId) issues.push(unknownEmployee(r.at, r.body.employee_pos_id));
    if (issues.length) {
      reject(r, unprocessable(issues));
      continue;
    }
    toWrite.push({ receipt: r, existing: e, customerId, employeeId });
  }
  if (toWrite.length === 0) return out;

  const products = await findProducts(
    client,
    tenant,
    toWrite.map((w) => w.receipt.location.id),
    toWrite.flatMap((w) => w.receipt.body.lines.map((l) => l.sku)),
  );
  const rows = toWrite.map((w) => {
    const lines = buildLineRows(w.receipt, products, null);
    const links = { customerId: w.customerId, employeeId: w.employeeId, originalId: null, lines };
    return { ...w, lines, tx: receiptColumns(w.existing?.id ?? uuidv7(), w.receipt, links) };
  });

  const updates = rows.filter((w) => w.existing);
  const inserts = rows.filter((w) => !w.existing).sort((a, b) => (a.tx.pos_id < b.tx.pos_id ? -1 : 1));
  if (updates.length) {
    await deleteLines(
      client,
      tenant,
      updates.map((w) => w.tx.id),
    );
    await updateReceipts(
      client,
      tenant,
      updates.map((w) => w.tx),
    );
  }
  let inserted = new Set<string>();
  if (inserts.length) {
    const created = await insertReceipts(
      client,
      tenant,
      inserts.map((w) => w.tx),
    );
    inserted = new Set(created.map((c) => c.id));
  }
  // A receipt another request created since the lock was taken is left for one-by-one writing (as an update).
  const landed = [...updates, ...inserts.filter((w) => inserted.has(w.tx.id))];
  const lines: ReceiptLineRow[] = landed.flatMap((w) => w.lines.map((l) => ({ ...l, transaction_id: w.tx.id })));
  await insertLines(client, tenant, lines);

  const audit: AuditEntry[] = landed.map((w) => ({
    action: w.existing ? "update" : "create",
    entity: "transaction",
    entityId: w.tx.id,
    detail: receiptAuditDetail(w.receipt, w.lines.length, null, via),
  }));
  await recordAudit(client, auth, audit);
  for (const w of landed)
    out.set(w.receipt, { kind: "written", id: w.tx.id, result: w.existing ? "updated" : "created" });
  return out;
}
