// Receipt totals. Decision: the service computes every total from the lines, exactly, and stores
// only those; totals the POS sends are checked against them to the cent (a 422 names each one that
// differs). So a stored total never disagrees with its lines, and a POS whose arithmetic drifted
// learns about it instead of having its numbers silently replaced.
//
// The rules (the read side's margin uses the same): gross = round(unit_price × quantity, 2), half
// away from zero; line_total = gross − discount + tax; subtotal = Σ gross; discount, tax = Σ of the
// lines'; total = Σ line_total = subtotal − discount + tax; line cost = round(unit_cost × quantity,
// 4); cost_total = Σ line cost, null when any line's cost is unknown (a partial cost would
// overstate the margin).

import { formatUnits, multiply, unitsOf } from "../lib/decimal.js";
import type { ProblemIssue } from "../lib/errors.js";
import type { ReceiptBody } from "./write-schemas.js";

export interface LineAmounts {
  discount: string;
  tax: string;
  lineTotal: string;
}

export interface ReceiptTotals {
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
}

/** Each line's amounts and the receipt's totals, from the lines (exact). */
export function computeTotals(lines: ReceiptBody["lines"]): { lines: LineAmounts[]; totals: ReceiptTotals } {
  let subtotal = 0n;
  let discount = 0n;
  let tax = 0n;
  const amounts = lines.map((line) => {
    const gross = multiply(
      { units: unitsOf(line.unit_price, 2), scale: 2 },
      { units: unitsOf(line.quantity, 3), scale: 3 },
      2,
    );
    const lineDiscount = unitsOf(line.discount ?? "0", 2);
    const lineTax = unitsOf(line.tax ?? "0", 2);
    subtotal += gross;
    discount += lineDiscount;
    tax += lineTax;
    return {
      discount: formatUnits(lineDiscount, 2),
      tax: formatUnits(lineTax, 2),
      lineTotal: formatUnits(gross - lineDiscount + lineTax, 2),
    };
  });
  return {
    lines: amounts,
    totals: {
      subtotal: formatUnits(subtotal, 2),
      discount: formatUnits(discount, 2),
      tax: formatUnits(tax, 2),
      total: formatUnits(subtotal - discount + tax, 2),
    },
  };
}

/** round(unit_cost × quantity, 4) summed; null when any cost is unknown. */
export function costTotal(lines: { quantity: string; unitCost: string | null }[]): string | null {
  let sum = 0n;
  for (const line of lines) {
    if (line.unitCost === null) return null;
    sum += multiply({ units: unitsOf(line.unitCost, 4), scale: 4 }, { units: unitsOf(line.quantity, 3), scale: 3 }, 4);
  }
  return formatUnits(sum, 4);
}

/** The POS's totals that differ from the lines' (each named), or none. */
export function totalsIssues(sent: ReceiptBody["totals"], computed: ReceiptTotals, at: string): ProblemIssue[] {
  if (!sent) return [];
  return (["subtotal", "discount", "tax", "total"] as const).flatMap((name) => {
    const value = sent[name];
    if (value === undefined || unitsOf(value, 2) === unitsOf(computed[name], 2)) return [];
    return [
      {
        location: `${at}.totals.${name}`,
        message: `${name} is ${value} but the lines add up to ${computed[name]}.`,
        code: "totals_mismatch",
      },
    ];
  });
}

/** Amounts are stored as NUMERIC(12,2) (line_total and the receipt's totals) and NUMERIC(14,4) (cost_total). */
const MONEY_LIMIT = 10n ** 12n; // units at scale 2: 10 digits before the point
const COST_LIMIT = 10n ** 14n; // units at scale 4: 10 digits before the point

/**
 * Each field alone fits its column (the schema checks that), but a product or a sum may not: a
 * line of 9,999,999,999.99 × 999,999,999.999 is a 422 naming what is too large, never a database
 * overflow. The cost counts only the unit costs sent: one taken from stock is known only when the
 * receipt is written, and should it overflow, the database's refusal is a 400 (src/lib/problem.ts).
 */
export function amountRangeIssues(
  lines: ReceiptBody["lines"],
  computed: { lines: LineAmounts[]; totals: ReceiptTotals },
  at: string,
): ProblemIssue[] {
  const tooLarge = (location: string, what: string) => ({
    location,
    message: `${what} is too large: at most 10 digits before the decimal point.`,
    code: "amount_too_large",
  });
  const abs = (units: bigint) => (units < 0n ? -units : units);
  const issues: ProblemIssue[] = [];
  let cost = 0n;
  lines.forEach((line, i) => {
    if (abs(unitsOf(computed.lines[i]!.lineTotal, 2)) >= MONEY_LIMIT)
      issues.push(tooLarge(`${at}.lines.${i}`, "The line total (unit_price × quantity − discount + tax)"));
    if (line.unit_cost !== undefined && line.unit_cost !== null) {
      cost += multiply(
        { units: unitsOf(line.unit_cost, 4), scale: 4 },
        { units: unitsOf(line.quantity, 3), scale: 3 },
        4,
      );
    }
  });
  for (const name of ["subtotal", "discount", "tax", "total"] as const) {
    if (abs(unitsOf(computed.totals[name], 2)) >= MONEY_LIMIT)
      issues.push(tooLarge(`${at}.lines`, `The receipt's ${name}`));
  }
  if (abs(cost) >= COST_LIMIT) issues.push(tooLarge(`${at}.lines`, "The receipt's cost (Σ unit_cost × quantity)"));
  return issues;
}
