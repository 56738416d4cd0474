// Exact decimal arithmetic for money and quantities, on BigInt fixed point. Why not floats: 0.1 +
// 0.2 is not 0.3, and a receipt total must equal its lines to the cent. Why not a decimal library:
// the service only adds, negates and multiplies two decimals then rounds once (half away from
// zero, as PostgreSQL's round(numeric) does), which is a few lines of integer arithmetic; BigInt
// cannot overflow, so nothing here depends on a library's precision setting.
import { z } from "zod";
import { prose } from "./prose.js";

/** A decimal as an integer count of 10^-scale units: "12.50" at scale 2 is 1250n. */
export interface Fixed {
  units: bigint;
  scale: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Units of `text` at `scale`, or null when it is not a plain decimal or has more decimals than `scale`. */
export function parseUnits(text: string, scale: number): bigint | null {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return null;
  const [, sign, whole, fraction = ""] = match;
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > scale) return null;
  const units = BigInt(whole!) * 10n ** BigInt(scale) + BigInt(significant.padEnd(scale, "0") || "0");
  return sign === "-" ? -units : units;
}

/** The decimal text of `units` at `scale`, with exactly `scale` decimals: (1250n, 2) → "12.50". */
export function formatUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const base = 10n ** BigInt(scale);
  const whole = (abs / base).toString();
  const fraction = scale > 0 ? `.${(abs % base).toString().padStart(scale, "0")}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** Rounds units from scale `from` down to scale `to` (to ≤ from), half away from zero. */
export function roundUnits(units: bigint, from: number, to: number): bigint {
  if (to >= from) return units * 10n ** BigInt(to - from);
  const step = 10n ** BigInt(from - to);
  const abs = units < 0n ? -units : units;
  const rounded = (abs + step / 2n) / step;
  return units < 0n ? -rounded : rounded;
}

/** a × b rounded half away from zero to `scale`. */
export function multiply(a: Fixed, b: Fixed, scale: number): bigint {
  return roundUnits(a.units * b.units, a.scale + b.scale, scale);
}

/**
 * The decimal text a JSON number stands for. JSON.parse gives the nearest double, and
 * Number#toString prints the shortest text that reads back as that double, which is the text the
 * sender wrote whenever it had at most 15 significant digits (every amount a POS sends).
 */
function numberText(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  const text = String(value);
  return /e/i.test(text) ? null : text;
}

export interface DecimalInputOptions {
  /** Most decimals accepted (and always printed), e.g. 2 for money, 4 for unit cost, 3 for quantities. */
  scale: number;
  /** Digits before the point that the column holds (Decimal(12,2): 10). */
  integerDigits: number;
  description: string;
}

/**
 * A decimal sent as a JSON number (12.5) or a string ("12.50"), checked for its number of
 * decimals and its size and turned into exact text with `scale` decimals ("12.50"). Signs are
 * accepted here; whether a sign makes sense is the domain's rule, checked after parsing.
 */
export function decimalInput({ scale, integerDigits, description }: DecimalInputOptions) {
  const limit = 10n ** BigInt(integerDigits + scale);
  return z
    .union([z.number(), z.string().max(40)])
    .transform((value, ctx) => {
      const text = typeof value === "number" ? numberText(value) : value.trim();
      const units = text === null ? null : parseUnits(text, scale);
      if (units === null) {
        ctx.addIssue({
          code: "custom",
          message:
            `Expected a decimal with at most ${scale} decimal places, as a number or a string (e.g. ` +
            `${formatUnits(1250n * 10n ** BigInt(Math.max(0, scale - 2)), scale)}).`,
        });
        return z.NEVER;
      }
      if ((units < 0n ? -units : units) >= limit) {
        ctx.addIssue({
          code: "custom",
          message: `Too large: at most ${integerDigits} digits before the decimal point.`,
        });
        return z.NEVER;
      }
      return formatUnits(units, scale);
    })
    .describe(prose`
      ${description} A number or a decimal string, at most ${scale} decimal places; answered as an exact decimal string.
    `);
}

/** Units of text that decimalInput produced (or the database returned) at `scale`; throws if it is not one. */
export function unitsOf(text: string, scale: number): bigint {
  const units = parseUnits(text, scale);
  if (units === null) throw new Error(`not a decimal with at most ${scale} places: ${text}`);
  return units;
}
