// Create or replace a receipt with its lines (PUT /v1/transactions/{pos_id}, and each receipt of a
// batch). One database transaction: the receipt, its lines and its audit entry land together or
// not at all.
//
// Idempotency: the canonical body (keys sorted, amounts normalised, the store resolved to our id,
// the POS's totals left out since they only get checked) is hashed into body_hash. The same hash
// again is "unchanged": nothing is written, not even the change time. A different one replaces the
// row and all its lines, which moves the receipt forward on the change-time axis.
//
// Concurrency: the receipt's row is locked (SELECT … FOR UPDATE) before anything is decided, so
// concurrent PUTs of one receipt run one after the other and the last one's lines replace the
// others' whole. Two first writes race on INSERT … ON CONFLICT DO NOTHING; the loser retries the
// transaction and then finds the row to lock. Lock order, the same in every receipt write (so
// receipt writes cannot deadlock each other): the receipt, its sale, the customer, the employee,
// then the SKU advisory locks (src/lib/sku-locks.ts), always before any line is deleted or
// inserted. An inventory PUT that creates a product goes the other way round: the SKU lock, the
// earlier lines it links, then their receipts (the lines' trigger rewrites json_lines). It can
// deadlock with a write of one of those receipts; PostgreSQL aborts one of the two after
// deadlock_timeout and withTransaction runs it again (test/inventory/link-deadlock.test.ts).
import { createHash } from "node:crypto";
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { type CustomerReplacement, customerReplacement, upsertCustomer } from "../customers/put.js";
import type { Db } from "../db/client.js";
import type { Row } from "../db/sql.js";
import { type Tenant, tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { canonicalJson } from "../lib/canonical-json.js";
import { AppError, type ProblemIssue } from "../lib/errors.js";
import { compactInstantText } from "../lib/instant.js";
import { type LocationIndex, localDate, resolveLocation, type WritableLocation } from "../lib/locations.js";
import { RetryTransaction, type WriteResult, withTransaction } from "../lib/write-transaction.js";
import { findEmployee, upsertEmployee } from "./employees.js";
import { type NewSaleOutcome, plainSale, putNewSale, putNewSaleAndRead, type ReadBack } from "./new-sale.js";
import { buildLineRows, findProducts, receiptAuditDetail, receiptColumns } from "./receipt-rows.js";
import { kindOf, receiptRuleIssues } from "./receipt-rules.js";
import { overRefundIssues, refundedBySku, type SkuLedger, saleLedger, underSoldIssues } from "./refunds.js";
import { amountRangeIssues, computeTotals, type LineAmounts, type ReceiptTotals, totalsIssues } from "./totals.js";
import {
  CUSTOMER_BY_POS_USER,
  deleteLines,
  idsByPosKey,
  type LockedReceipt,
  lockReceipt,
  receiptsByPosId,
  type SeenReceipt,
  saveReceipt,
} from "./write-queries.js";
import type { ReceiptBody } from "./write-schemas.js";

/** A receipt that passed every check that needs no database. */
export interface PreparedReceipt {
  posId: string;
  body: ReceiptBody;
  kind: Row<"transactions">["kind"];
  location: WritableLocation;
  businessDate: string;
  amounts: LineAmounts[];
  totals: ReceiptTotals;
  customer: { posUser: string; value: CustomerReplacement } | null;
  hash: string;
  /** Where the receipt is in the request, for issues: "body", or "body.receipts.3" in a batch. */
  at: string;
}

/** A 422 listing every issue; `which` names the receipt ("Receipt 3" in a batch). */
export const unprocessable = (issues: ProblemIssue[], which = "The receipt") =>
  new AppError("unprocessable", `${which} has ${issues.length} ${issues.length === 1 ? "problem" : "problems"}.`, {
    issues,
  });

/**
 * Checks a parsed receipt against the rules that need no database (signs, totals, the store, the
 * embedded customer's contact fields). Issues are located under `at` ("body", "body.receipts.3").
 */
export function prepareReceipt(
  posId: string,
  body: ReceiptBody,
  locations: LocationIndex,
  at: string,
): PreparedReceipt | { issues: ProblemIssue[] } {
  const issues = receiptRuleIssues(posId, body, at);
  const { lines: amounts, totals } = computeTotals(body.lines);
  issues.push(
    ...totalsIssues(body.totals, totals, at),
    ...amountRangeIssues(body.lines, { lines: amounts, totals }, at),
  );
  const resolved = resolveLocation(locations, body, at);
  if ("issue" in resolved) issues.push(resolved.issue);
  let customer: PreparedReceipt["customer"] = null;
  if (body.customer) {
    const { pos_user, ...fields } = body.customer;
    const replacement = customerReplacement(fields, `${at}.customer`);
    issues.push(...replacement.issues);
    customer = { posUser: pos_user, value: replacement.value };
  }
  if (issues.length || "issue" in resolved) return { issues };

  const { totals: _checkedOnly, location_id: _id, location_pos_id: _posId, ...rest } = body;
  const hash = createHash("sha256")
    .update(
      canonicalJson({ ...rest, transacted_at: compactInstantText(rest.transacted_at), location: resolved.location.id }),
    )
    .digest("base64url");
  return {
    posId,
    body,
    kind: kindOf(body),
    location: resolved.location,
    // Milliseconds are enough for the date: dropping microseconds never crosses midnight.
    businessDate: localDate(new Date(body.transacted_at), resolved.location.time_zone),
    amounts,
    totals,
    customer,
    hash,
    at,
  };
}

export const visibleTo = (auth: AuthContext, locationId: string) =>
  auth.locationIds === null || auth.locationIds.includes(locationId);

/** Another merchant's receipt, or one at a store outside the key's locations, does not exist for this key. */
export const invisible = () =>
  new AppError("not_found", "No such transaction for this key (it belongs to a location the key may not write to).");

export const voidedConflict = () =>
  new AppError("conflict", "The receipt is voided: a voided receipt cannot be changed (send a new receipt instead).");

/** The receipt names a customer (customer_pos_user) or an employee (employee_pos_id) the merchant does not have. */
export const unknownCustomer = (at: string, posUser: string): ProblemIssue => ({
  location: `${at}.customer_pos_user`,
  message:
    `No customer with pos_user '${posUser}': PUT /v1/customers/{pos_user} first, or embed the customer as ` +
    `\`customer\`.`,
  code: "unknown_customer",
});
export const unknownEmployee = (at: string, posId: string): ProblemIssue => ({
  location: `${at}.employee_pos_id`,
  message: `No employee with POS id '${posId}': embed the employee as \`employee\` to create them.`,
  code: "unknown_employee",
});

export interface ReceiptOutcome {
  id: string;
  result: WriteResult;
}

/**
 * Writes a prepared receipt: created, updated or unchanged; AppError (404, 409, 422) when the database
 * says no. With `readBack`, a new sale created in one round trip is read back in that same round trip
 * (new-sale.ts), and the outcome carries what it read as `read` (absent otherwise: read it then).
 */
export async function writeReceipt<R = never>(
  db: Db,
  auth: AuthContext,
  receipt: PreparedReceipt,
  via: string,
  readBack?: ReadBack<R>,
): Promise<ReceiptOutcome & { read?: R }> {
  // A new sale is written in one round trip (new-sale.ts); what it does not write, it leaves to the
  // transaction below. An identical body changes nothing; checked without a lock first (re-sent
  // backfills are common: the new-sale call answers what it found), and again under the lock below.
  const tenant = tenantOf(auth);
  let seen: SeenReceipt | undefined;
  if (plainSale(receipt)) {
    const fast: NewSaleOutcome & { read?: R } = readBack
      ? await putNewSaleAndRead(db.pool, tenant, auth, receipt, via, readBack)
      : await putNewSale(db.pool, tenant, auth, receipt, via);
    if (fast.outcome === "created") return { id: fast.id, result: "created", read: fast.read };
    if (fast.outcome === "exists") seen = fast;
  } else {
    [seen] = await receiptsByPosId(db.pool, tenant, [receipt.posId]);
  }
  if (seen && !visibleTo(auth, seen.location_id)) throw invisible();
  if (seen && seen.body_hash === receipt.hash) return { id: seen.id, result: "unchanged" };

  return withTransaction(db.pool, async (client) => {
    const { body } = receipt;
    const existing = (await lockReceipt(client, tenant, receipt.posId, { locations: false })) ?? null;
    if (existing) {
      if (!visibleTo(auth, existing.location_id)) throw invisible();
      if (existing.body_hash === receipt.hash) return { id: existing.id, result: "unchanged" as const };
      if (existing.status === "voided") {
        throw voidedConflict();
      }
    }

    const issues: ProblemIssue[] = [];
    const { at } = receipt;
    const original = receipt.kind === "refund" ? await checkOriginal(client, tenant, receipt, existing, issues) : null;
    if (existing?.kind === "sale") {
      const refunded = await refundedBySku(client, tenant, existing.id);
      if (refunded.size > 0) {
        if (receipt.kind === "refund") {
          issues.push({
            location: `${at}.original_pos_id`,
            message: "This sale has refunds: it cannot become a refund itself.",
            code: "sale_has_refunds",
          });
        } else issues.push(...underSoldIssues(body.lines, refunded, at));
      }
    }
    const customerId = await resolveCustomer(client, tenant, auth, receipt, via, issues);
    const employeeId = await resolveEmployee(client, auth, receipt, via, issues);
    if (issues.length) throw unprocessable(issues);

    const products = await findProducts(
      client,
      tenant,
      [receipt.location.id],
      body.lines.map((l) => l.sku),
    );
    const lines = buildLineRows(receipt, products, original?.ledger ?? null);
    const originalId = original?.id ?? null;
    const id = existing?.id ?? uuidv7();
    const row = receiptColumns(id, receipt, { customerId, employeeId, originalId, lines });
    const entry = {
      action: existing ? ("update" as const) : ("create" as const),
      entity: "transaction" as const,
      entityId: id,
      detail: receiptAuditDetail(receipt, lines.length, originalId, via),
    };
    if (existing) await deleteLines(client, tenant, [existing.id]);
    const written = await saveReceipt(client, tenant, row, lines, existing ? "update" : "insert", {
      keyId: auth.keyId,
      entry,
    });
    // Another request created the receipt since we looked: run again, now as an update of it.
    if (!written) throw new RetryTransaction();
    return { id, result: existing ? ("updated" as const) : ("created" as const) };
  });
}

/** Locks the sale a refund names and checks it may be refunded by this much; adds issues when not. */
async function checkOriginal(
  client: pg.ClientBase,
  tenant: Tenant,
  receipt: PreparedReceipt,
  existing: LockedReceipt | null,
  issues: ProblemIssue[],
): Promise<{ id: string; ledger: Map<string, SkuLedger> } | null> {
  const at = `${receipt.at}.original_pos_id`;
  const sale = await lockReceipt(client, tenant, receipt.body.original_pos_id!, { locations: true });
  if (!sale || sale.deleted) {
    issues.push({
      location: at,
      message: `No sale with POS id '${receipt.body.original_pos_id}' (send the sale before its refund).`,
      code: "unknown_original",
    });
    return null;
  }
  if (sale.kind !== "sale")
    issues.push({
      location: at,
      message: "It names a refund: a refund must name the sale it refunds.",
      code: "original_not_a_sale",
    });
  else if (sale.status === "voided")
    issues.push({ location: at, message: "The sale was voided: there is nothing to refund.", code: "original_voided" });
  if (issues.length) return null;
  const ledger = await saleLedger(client, tenant, sale.id, existing?.id ?? null);
  issues.push(...overRefundIssues(receipt.body.lines, ledger, receipt.at));
  return { id: sale.id, ledger };
}

async function resolveCustomer(
  client: pg.ClientBase,
  tenant: Tenant,
  auth: AuthContext,
  receipt: PreparedReceipt,
  via: string,
  issues: ProblemIssue[],
): Promise<string | null> {
  if (receipt.customer)
    return (await upsertCustomer(client, auth, receipt.customer.posUser, receipt.customer.value, via)).id;
  const posUser = receipt.body.customer_pos_user;
  if (posUser === undefined) return null;
  const id = (await idsByPosKey(client, tenant, CUSTOMER_BY_POS_USER, [posUser])).get(posUser);
  if (!id) {
    issues.push(unknownCustomer(receipt.at, posUser));
    return null;
  }
  return id;
}

async function resolveEmployee(
  client: pg.ClientBase,
  auth: AuthContext,
  receipt: PreparedReceipt,
  via: string,
  issues: ProblemIssue[],
): Promise<string | null> {
  const { body } = receipt;
  if (body.employee) return upsertEmployee(client, auth, body.employee, via);
  if (body.employee_pos_id === undefined) return null;
  const id = await findEmployee(client, auth, body.employee_pos_id);
  if (!id) {
    issues.push(unknownEmployee(receipt.at, body.employee_pos_id));
  }
  return id;
}
