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
// deadlock each other.
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { recordAudit, type AuditEntry } from "../audit/record.js";
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { databaseFault } from "../lib/database-faults.js";
import { AppError } from "../lib/errors.js";
import { withTransaction, type WriteResult } from "../lib/write-transaction.js";
import {
  invisible,
  unknownCustomer,
  unknownEmployee,
  unprocessable,
  visibleTo,
  voidedConflict,
  type PreparedReceipt,
} from "./put.js";
import {
  buildLineRows,
  findProducts,
  LINE_COLUMNS,
  lineArrays,
  receiptAuditDetail,
  type LineRow,
} from "./receipt-rows.js";
import { costTotal } from "./totals.js";

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
    if (!r || r.kind !== "sale" || r.customer || r.body.employee) return;
    if (count.get(r.posId)! > 1 || namedAsOriginal.has(r.posId)) return;
    if (r.body.customer_pos_user !== undefined && embeddedCustomers.has(r.body.customer_pos_user)) return;
    if (r.body.employee_pos_id !== undefined && embeddedEmployees.has(r.body.employee_pos_id)) return;
    eligible.add(i);
  });
  return eligible;
}

interface Existing {
  id: string;
  pos_id: string;
  body_hash: string | null;
  status: string;
  location_id: string;
  has_refunds: boolean;
}

const TX_COLUMNS = [
  ["id", "uuid"],
  ["pos_id", "text"],
  ["location_id", "uuid"],
  ["customer_id", "uuid"],
  ["employee_id", "uuid"],
  ["channel", '"Channel"'],
  ["kind", '"TransactionKind"'],
  ["transacted_at", "timestamptz"],
  ["business_date", "date"],
  ["subtotal", "numeric"],
  ["discount_total", "numeric"],
  ["tax_total", "numeric"],
  ["total", "numeric"],
  ["cost_total", "numeric"],
  ["body_hash", "text"],
] as const;
type TxRow = Record<(typeof TX_COLUMNS)[number][0], string | null>;

const txArrays = (rows: TxRow[]) => TX_COLUMNS.map(([name]) => rows.map((r) => r[name]));
const TX_UNNEST = `unnest(${TX_COLUMNS.map(([, type], i) => `$${i + 2}::${type}[]`).join(", ")}) AS x(${TX_COLUMNS.map(([n]) => n).join(", ")})`;
const INSERT_TXS = `
  INSERT INTO transactions (merchant_id, ${TX_COLUMNS.map(([n]) => n).join(", ")})
  SELECT $1::uuid, ${TX_COLUMNS.map(([n]) => `x.${n}`).join(", ")} FROM ${TX_UNNEST} ORDER BY x.pos_id
  ON CONFLICT (merchant_id, pos_id) DO NOTHING
  RETURNING id`;
const UPDATE_TXS = `
  UPDATE transactions t SET (${TX_COLUMNS.filter(([n]) => n !== "id")
    .map(([n]) => n)
    .join(", ")}, original_transaction_id, deleted_at)
       = (${TX_COLUMNS.filter(([n]) => n !== "id")
         .map(([n]) => `x.${n}`)
         .join(", ")}, NULL, NULL)
    FROM ${TX_UNNEST}
   WHERE t.id = x.id AND t.merchant_id = $1`;
const INSERT_LINES = `
  INSERT INTO line_items (merchant_id, transaction_id, ${LINE_COLUMNS.map(([n]) => n).join(", ")})
  SELECT $1::uuid, x.transaction_id, ${LINE_COLUMNS.map(([n]) => `x.${n}`).join(", ")}
    FROM unnest($2::uuid[], ${LINE_COLUMNS.map(([, type], i) => `$${i + 3}::${type}[]`).join(", ")})
         AS x(transaction_id, ${LINE_COLUMNS.map(([n]) => n).join(", ")})`;

async function idsByPosUser(
  client: pg.ClientBase,
  table: "customers" | "employees",
  column: "pos_user" | "pos_id",
  merchantId: string,
  keys: string[],
) {
  if (keys.length === 0) return new Map<string, string>();
  const { rows } = await client.query<{ key: string; id: string }>(
    `SELECT ${column} AS key, id FROM ${table} WHERE merchant_id = $1 AND ${column} = ANY($2::text[])`,
    [merchantId, [...new Set(keys)]],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
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
  // Re-sent backfills are mostly unchanged: find those without a transaction or a lock.
  const { rows: seen } = await db.pool.query<{
    pos_id: string;
    id: string;
    body_hash: string | null;
    location_id: string;
  }>(
    "SELECT pos_id, id, body_hash, location_id FROM transactions WHERE merchant_id = $1 AND pos_id = ANY($2::text[])",
    [auth.merchantId, receipts.map((r) => r.posId)],
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
    const written = await withTransaction(db.pool, (client) => bulkTransaction(client, auth, pending, via));
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
  auth: AuthContext,
  receipts: PreparedReceipt[],
  via: string,
): Promise<Map<PreparedReceipt, BulkOutcome>> {
  const out = new Map<PreparedReceipt, BulkOutcome>();
  const reject = (r: PreparedReceipt, error: AppError) => out.set(r, { kind: "error", error });

  const { rows: existingRows } = await client.query<Existing>(
    `SELECT t.id, t.pos_id, t.body_hash, t.status, t.location_id,
            EXISTS (SELECT 1 FROM transactions r WHERE r.original_transaction_id = t.id AND r.kind = 'refund' AND r.status = 'completed' AND r.deleted_at IS NULL) AS has_refunds
       FROM transactions t WHERE t.merchant_id = $1 AND t.pos_id = ANY($2::text[])
      ORDER BY t.pos_id FOR UPDATE OF t`,
    [auth.merchantId, receipts.map((r) => r.posId)],
  );
  const existing = new Map(existingRows.map((e) => [e.pos_id, e]));

  const customers = await idsByPosUser(
    client,
    "customers",
    "pos_user",
    auth.merchantId,
    receipts.flatMap((r) => r.body.customer_pos_user ?? []),
  );
  const employees = await idsByPosUser(
    client,
    "employees",
    "pos_id",
    auth.merchantId,
    receipts.flatMap((r) => r.body.employee_pos_id ?? []),
  );

  const toWrite: {
    receipt: PreparedReceipt;
    existing: Existing | undefined;
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
    auth.merchantId,
    toWrite.map((w) => w.receipt.location.id),
    toWrite.flatMap((w) => w.receipt.body.lines.map((l) => l.sku)),
  );
  const rows = toWrite.map((w) => {
    const lines = buildLineRows(w.receipt, products, null);
    const { receipt: r } = w;
    const tx: TxRow = {
      id: w.existing?.id ?? uuidv7(),
      pos_id: r.posId,
      location_id: r.location.id,
      customer_id: w.customerId,
      employee_id: w.employeeId,
      channel: r.body.channel,
      kind: r.kind,
      transacted_at: r.body.transacted_at,
      business_date: r.businessDate,
      subtotal: r.totals.subtotal,
      discount_total: r.totals.discount,
      tax_total: r.totals.tax,
      total: r.totals.total,
      cost_total: costTotal(lines.map((l) => ({ quantity: l.quantity, unitCost: l.unit_cost }))),
      body_hash: r.hash,
    };
    return { ...w, lines, tx };
  });

  const updates = rows.filter((w) => w.existing);
  const inserts = rows.filter((w) => !w.existing).sort((a, b) => (a.tx.pos_id! < b.tx.pos_id! ? -1 : 1));
  if (updates.length) {
    await client.query("DELETE FROM line_items WHERE transaction_id = ANY($1::uuid[])", [updates.map((w) => w.tx.id)]);
    await client.query(UPDATE_TXS, [auth.merchantId, ...txArrays(updates.map((w) => w.tx))]);
  }
  let inserted = new Set<string>();
  if (inserts.length) {
    const { rows: created } = await client.query<{ id: string }>(INSERT_TXS, [
      auth.merchantId,
      ...txArrays(inserts.map((w) => w.tx)),
    ]);
    inserted = new Set(created.map((c) => c.id));
  }
  // A receipt another request created since the lock was taken is left for one-by-one writing (as an update).
  const landed = [...updates, ...inserts.filter((w) => inserted.has(w.tx.id!))];
  const lines: (LineRow & { transaction_id: string })[] = landed.flatMap((w) =>
    w.lines.map((l) => ({ ...l, transaction_id: w.tx.id! })),
  );
  await client.query(INSERT_LINES, [auth.merchantId, lines.map((l) => l.transaction_id), ...lineArrays(lines)]);

  const audit: AuditEntry[] = landed.map((w) => ({
    action: w.existing ? "update" : "create",
    entity: "transaction",
    entityId: w.tx.id!,
    detail: receiptAuditDetail(w.receipt, w.lines.length, null, via),
  }));
  await recordAudit(client, auth, audit);
  for (const w of landed)
    out.set(w.receipt, { kind: "written", id: w.tx.id!, result: w.existing ? "updated" : "created" });
  return out;
}
