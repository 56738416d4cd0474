// Money stays in integers while generating: cents for prices and totals, ten-thousandths of a
// dollar for unit cost (the schema's Decimal(12,4)). Sums of integers below 2^53 are exact, so
// totals equal the sum of their lines to the cent; text is only made when a row is written.

/** Cents as a decimal string: -1234 -> "-12.34". */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const frac = abs % 100;
  return `${sign}${(abs - frac) / 100}.${frac < 10 ? "0" : ""}${frac}`;
}

/** Ten-thousandths of a dollar as a decimal string: 123456 -> "12.3456". */
export function tenThousandthsToDecimal(value: number): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  const frac = abs % 10_000;
  return `${sign}${(abs - frac) / 10_000}.${String(frac).padStart(4, "0")}`;
}

/** Thousandths (quantities, percents with 3 decimals) as a decimal string: 3500 -> "3.500". */
export function thousandthsToDecimal(value: number): string {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  const frac = abs % 1000;
  return `${sign}${(abs - frac) / 1000}.${String(frac).padStart(3, "0")}`;
}

/**
 * round(amount * basisPoints / 10000), half away from zero, on integers. For integer inputs
 * the quotient's .5 cases are exact in binary, so this never drifts.
 */
export function applyBasisPoints(amount: number, basisPoints: number): number {
  const scaled = (Math.abs(amount) * basisPoints) / 10_000;
  const rounded = Math.round(scaled);
  return amount < 0 ? -rounded : rounded;
}

/** A shelf price in cents from a raw dollar amount: whole dollars, or .99 / .50 endings. */
export function shelfPriceCents(dollars: number, ending: "00" | "99" | "50"): number {
  const whole = Math.max(1, Math.round(dollars));
  if (ending === "99") return whole * 100 - 1;
  if (ending === "50" && whole < 20) return whole * 100 - 50;
  return whole * 100;
}
