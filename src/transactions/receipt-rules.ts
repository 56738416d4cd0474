// The rules of a receipt that a schema cannot say: a sale sells (positive quantities), a refund
// gives back (negative quantities) and names its sale, prices and costs are never negative, and
// discount and tax carry the quantity's sign (the read side and AIQ read them that way).

import type { TransactionKind } from "../generated/kysely/enums.js";
import { unitsOf } from "../lib/decimal.js";
import type { ProblemIssue } from "../lib/errors.js";
import type { ReceiptBody } from "./write-schemas.js";

export const kindOf = (body: Pick<ReceiptBody, "original_pos_id">): TransactionKind =>
  body.original_pos_id === undefined ? "sale" : "refund";

export function receiptRuleIssues(posId: string, body: ReceiptBody, at: string): ProblemIssue[] {
  const issues: ProblemIssue[] = [];
  const refund = kindOf(body) === "refund";
  if (body.original_pos_id === posId) {
    issues.push({
      location: `${at}.original_pos_id`,
      message: "A refund cannot name itself as its sale.",
      code: "invalid_refund",
    });
  }
  body.lines.forEach((line, i) => {
    const where = `${at}.lines.${i}`;
    const quantity = unitsOf(line.quantity, 3);
    if (quantity === 0n)
      issues.push({ location: `${where}.quantity`, message: "The quantity cannot be 0.", code: "invalid_quantity" });
    else if (refund && quantity > 0n) {
      issues.push({
        location: `${where}.quantity`,
        message: "A refund's quantities are negative (this receipt names original_pos_id, so it is a refund).",
        code: "invalid_quantity",
      });
    } else if (!refund && quantity < 0n) {
      issues.push({
        location: `${where}.quantity`,
        message: "A negative quantity is a refund: send original_pos_id, the sale it refunds.",
        code: "refund_without_sale",
      });
    }
    if (unitsOf(line.unit_price, 2) < 0n)
      issues.push({
        location: `${where}.unit_price`,
        message: "The unit price cannot be negative.",
        code: "negative_price",
      });
    if (line.unit_cost !== undefined && line.unit_cost !== null && unitsOf(line.unit_cost, 4) < 0n) {
      issues.push({
        location: `${where}.unit_cost`,
        message: "The unit cost cannot be negative.",
        code: "negative_cost",
      });
    }
    for (const name of ["discount", "tax"] as const) {
      const value = line[name];
      if (value === undefined) continue;
      const units = unitsOf(value, 2);
      if (refund ? units > 0n : units < 0n) {
        issues.push({
          location: `${where}.${name}`,
          message: refund
            ? `In a refund the ${name} is given back: send it as 0 or negative.`
            : `The ${name} cannot be negative in a sale.`,
          code: `invalid_${name}_sign`,
        });
      }
    }
  });
  return issues;
}
