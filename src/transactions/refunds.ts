// What a refund may give back. Per SKU: sold on the sale − given back by the sale's other
// refunds (completed, not deleted) ≥ what this refund gives back. Refunds of one sale are
// serialised by locking the sale's row first (SELECT … FOR UPDATE), so two refunds sent at once
// cannot both take the last unit; the sums are read after the lock, in a fresh snapshot.
import type { Executor } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import { formatUnits, unitsOf } from "../lib/decimal.js";
import type { ProblemIssue } from "../lib/errors.js";
import { refundedUnits, saleLedgerRows } from "./write-queries.js";
import type { ReceiptBody } from "./write-schemas.js";

export interface SkuLedger {
  /** Units sold on the sale (scale 3). */
  sold: bigint;
  /** Units given back by its other refunds (scale 3, positive). */
  refunded: bigint;
  /** The unit cost on the sale's first line of the SKU: a refund's default cost. */
  unitCost: string | null;
}

/** Per SKU of the sale: sold, already refunded by refunds other than `exceptId`, and its cost. */
export async function saleLedger(
  db: Executor,
  tenant: Tenant,
  saleId: string,
  exceptId: string | null,
): Promise<Map<string, SkuLedger>> {
  const rows = await saleLedgerRows(db, tenant, saleId, exceptId);
  return new Map(
    rows.map((r) => [r.sku, { sold: unitsOf(r.sold, 3), refunded: unitsOf(r.refunded, 3), unitCost: r.unit_cost }]),
  );
}

/** A quantity for people: "2", "3.5". */
const qty = (units: bigint) => formatUnits(units, 3).replace(/\.?0+$/, "");

/** A check of a receipt's lines (at `at` in the request) against its sale's ledger: one issue per failure. */
type LedgerCheck = (lines: ReceiptBody["lines"], ledger: Map<string, SkuLedger>, at: string) => ProblemIssue[];

/** Adds `units` to `key`'s running sum. */
const addUnits = (sums: Map<string, bigint>, key: string, units: bigint) =>
  sums.set(key, (sums.get(key) ?? 0n) + units);

/** One issue per refund line that gives back more than remains of its SKU (earlier lines of this refund count too). */
export const overRefundIssues: LedgerCheck = (lines, ledger, at) => {
  const takenHere = new Map<string, bigint>();
  const issues: ProblemIssue[] = [];
  lines.forEach((line, i) => {
    const back = -unitsOf(line.quantity, 3);
    const entry = ledger.get(line.sku);
    const sold = entry?.sold ?? 0n;
    const already = (entry?.refunded ?? 0n) + (takenHere.get(line.sku) ?? 0n);
    const remaining = sold - already > 0n ? sold - already : 0n;
    if (back > remaining) {
      issues.push({
        location: `${at}.lines.${i}.quantity`,
        message:
          sold === 0n
            ? `line ${i + 1} (sku ${line.sku}): refunds ${qty(back)} but the sale did not sell this sku.`
            : `line ${i + 1} (sku ${line.sku}): refunds ${qty(back)} but only ${qty(remaining)} remains refundable ` +
              `(sold ${qty(sold)}, already refunded ${qty(already)}).`,
        code: "over_refund",
      });
    }
    addUnits(takenHere, line.sku, back);
  });
  return issues;
};

/** When a sale with refunds is replaced: each SKU must still have sold at least what was given back. */
export const underSoldIssues: LedgerCheck = (lines, ledger, at) => {
  const soldNow = new Map<string, bigint>();
  for (const line of lines) addUnits(soldNow, line.sku, unitsOf(line.quantity, 3));
  const issues: ProblemIssue[] = [];
  for (const [sku, entry] of ledger) {
    const sold = soldNow.get(sku) ?? 0n;
    if (entry.refunded > sold) {
      issues.push({
        location: `${at}.lines`,
        message:
          `sku ${sku}: the receipt would sell ${qty(sold)} but ${qty(entry.refunded)} were already refunded; ` +
          `change or void the refunds first.`,
        code: "refunded_more_than_sold",
      });
    }
  }
  return issues;
};

/** Refunded quantities of a sale per SKU (its completed refunds), for replacing the sale itself. */
export async function refundedBySku(db: Executor, tenant: Tenant, saleId: string): Promise<Map<string, SkuLedger>> {
  const rows = await refundedUnits(db, tenant, saleId);
  return new Map(rows.map((r) => [r.sku, { sold: 0n, refunded: unitsOf(r.refunded, 3), unitCost: null }]));
}
