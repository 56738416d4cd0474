// What a refund may give back. Per SKU: sold on the sale − given back by the sale's other
// refunds (completed, not deleted) ≥ what this refund gives back. Refunds of one sale are
// serialised by locking the sale's row first (SELECT … FOR UPDATE), so two refunds sent at once
// cannot both take the last unit; the sums are read after the lock, in a fresh snapshot.
import type pg from "pg";
import type { AuthContext } from "../keys/scopes.js";
import type { ProblemIssue } from "../lib/errors.js";
import { formatUnits, unitsOf } from "../lib/decimal.js";
import type { ReceiptBody } from "./write-schemas.js";

export interface LockedSale {
  id: string;
  kind: "sale" | "refund";
  status: "completed" | "voided";
  deleted: boolean;
  location_id: string;
}

/** Locks a receipt of the merchant by its POS id (the sale a refund names); null when the key may not see it. */
export async function lockReceiptByPosId(
  client: pg.ClientBase,
  auth: AuthContext,
  posId: string,
): Promise<LockedSale | null> {
  const { rows } = await client.query<LockedSale>(
    `SELECT id, kind, status, deleted_at IS NOT NULL AS deleted, location_id FROM transactions
      WHERE merchant_id = $1 AND pos_id = $2 AND ($3::uuid[] IS NULL OR location_id = ANY($3::uuid[]))
      FOR UPDATE`,
    [auth.merchantId, posId, auth.locationIds],
  );
  return rows[0] ?? null;
}

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
  client: pg.ClientBase,
  saleId: string,
  exceptId: string | null,
): Promise<Map<string, SkuLedger>> {
  const { rows } = await client.query<{ sku: string; sold: string; refunded: string; unit_cost: string | null }>(
    `SELECT s.sku, s.sold::text, coalesce(r.refunded, 0)::text AS refunded, s.unit_cost::text
       FROM (SELECT sku, sum(quantity) AS sold, (array_agg(unit_cost ORDER BY line_number))[1] AS unit_cost
               FROM line_items WHERE transaction_id = $1 GROUP BY sku) s
       LEFT JOIN (SELECT rl.sku, -sum(rl.quantity) AS refunded
                    FROM transactions r JOIN line_items rl ON rl.transaction_id = r.id
                   WHERE r.original_transaction_id = $1 AND r.kind = 'refund' AND r.status = 'completed' AND r.deleted_at IS NULL
                     AND ($2::uuid IS NULL OR r.id <> $2)
                   GROUP BY rl.sku) r ON r.sku = s.sku`,
    [saleId, exceptId],
  );
  return new Map(
    rows.map((r) => [r.sku, { sold: unitsOf(r.sold, 3), refunded: unitsOf(r.refunded, 3), unitCost: r.unit_cost }]),
  );
}

/** A quantity for people: "2", "3.5". */
const qty = (units: bigint) => formatUnits(units, 3).replace(/\.?0+$/, "");

/** One issue per refund line that gives back more than remains of its SKU (earlier lines of this refund count too). */
export function overRefundIssues(
  lines: ReceiptBody["lines"],
  ledger: Map<string, SkuLedger>,
  at: string,
): ProblemIssue[] {
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
            : `line ${i + 1} (sku ${line.sku}): refunds ${qty(back)} but only ${qty(remaining)} remains refundable (sold ${qty(sold)}, already refunded ${qty(already)}).`,
        code: "over_refund",
      });
    }
    takenHere.set(line.sku, (takenHere.get(line.sku) ?? 0n) + back);
  });
  return issues;
}

/** When a sale with refunds is replaced: each SKU must still have sold at least what was given back. */
export function underSoldIssues(
  lines: ReceiptBody["lines"],
  ledger: Map<string, SkuLedger>,
  at: string,
): ProblemIssue[] {
  const soldNow = new Map<string, bigint>();
  for (const line of lines) soldNow.set(line.sku, (soldNow.get(line.sku) ?? 0n) + unitsOf(line.quantity, 3));
  const issues: ProblemIssue[] = [];
  for (const [sku, entry] of ledger) {
    const sold = soldNow.get(sku) ?? 0n;
    if (entry.refunded > sold) {
      issues.push({
        location: `${at}.lines`,
        message: `sku ${sku}: the receipt would sell ${qty(sold)} but ${qty(entry.refunded)} were already refunded; change or void the refunds first.`,
        code: "refunded_more_than_sold",
      });
    }
  }
  return issues;
}

/** Refunded quantities of a sale per SKU (its completed refunds), for replacing the sale itself. */
export async function refundedBySku(client: pg.ClientBase, saleId: string): Promise<Map<string, SkuLedger>> {
  const { rows } = await client.query<{ sku: string; refunded: string }>(
    `SELECT rl.sku, (-sum(rl.quantity))::text AS refunded
       FROM transactions r JOIN line_items rl ON rl.transaction_id = r.id
      WHERE r.original_transaction_id = $1 AND r.kind = 'refund' AND r.status = 'completed' AND r.deleted_at IS NULL
      GROUP BY rl.sku`,
    [saleId],
  );
  return new Map(rows.map((r) => [r.sku, { sold: 0n, refunded: unitsOf(r.refunded, 3), unitCost: null }]));
}
