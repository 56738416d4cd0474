// Every instant and calendar date the API takes as input, in one place: the formats accepted, the
// range each kind of value must fall in, and the exact value that reaches PostgreSQL.
//
// An instant is parsed to epoch microseconds (a bigint) and handed on as normalised RFC 3339 UTC
// text with six fractional digits, the same text the API serves (sync-feed.ts utcText). A JS Date
// holds milliseconds only: an `updated_at` passed back as `updated_from` must select exactly the
// rows at or after it, so no Date stands between the request and the database. Texts of this one
// shape, within years 1970-9999, also compare correctly as strings.
//
// A value that is not an instant at all is a 400 (`invalid_instant`); one that is an instant but
// outside its documented range is a 422 (`out_of_range`), naming the field (validation.ts).
import { z } from "zod";
import { prose } from "./prose.js";

/** Normalised instant: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC, microseconds. */
export type InstantText = string;

export const OUT_OF_RANGE = "out_of_range";

/** The 422 of an operation that takes an instant or a date, for the API document. */
export const outOfRangeResponse = (also = "") => ({
  description: prose`
    A time or date outside the range the API takes (each named in \`errors\`, code \`out_of_range\`; the ranges are in
    the parameters' descriptions)${also}.
  `,
});

const DAY_MICROS = 86_400_000_000n;
const HOUR_MS = 3_600_000;

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil): no Date quirks for years < 100.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysInMonth = (year: number, month: number) =>
  [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;

/** Why a year-month-day is no date (2026-02-30, month 13), or null. */
function calendarProblem(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12) return `There is no month ${month}.`;
  if (day < 1 || day > daysInMonth(year, month))
    return `There is no day ${day} in ${year}-${String(month).padStart(2, "0")}.`;
  return null;
}

/** Epoch microseconds as the normalised text (the value must be within 1970-9999). */
export function instantText(micros: bigint): InstantText {
  const ms = micros / 1000n;
  const sub = String(micros % 1000n).padStart(3, "0");
  return `${new Date(Number(ms)).toISOString().slice(0, -1)}${sub}Z`;
}

const microsOf = (text: string) => BigInt(Date.parse(text)) * 1000n;

/** RFC 3339 (`T`, or AIQ's space, between date and time), optional fraction, optional space, offset. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt]| )(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?( ?)([Zz]|[+-]\d{2}:?\d{2})?$/;
/** Unix seconds, as AIQ writes them in its own feeds (`"dateupdated": "1660073955"`). */
const UNIX_SECONDS = /^-?\d{1,15}$/;

export const INSTANT_FORMATS =
  "Accepted formats: RFC 3339 with an offset (2026-12-04T04:03:53Z, 2026-12-04T04:03:53.123456-07:00), AIQ's own " +
  "(2026-12-04 04:03:53 +0000) or Unix seconds (1796357033, as a number or a string of digits). An offset is " +
  "required (Z for UTC). Up to 6 fractional digits are kept exactly; more are rounded up to the next microsecond.";

type Parsed = { micros: bigint } | { problem: string };

/** An input instant as epoch microseconds, or what is wrong with it (its format, not its range). */
export function parseInstant(value: unknown): Parsed {
  if (typeof value === "number") {
    return Number.isSafeInteger(value)
      ? { micros: BigInt(value) * 1_000_000n }
      : { problem: `A number is read as Unix seconds and must be a whole number. ${INSTANT_FORMATS}` };
  }
  if (typeof value !== "string") return { problem: `Expected a time. ${INSTANT_FORMATS}` };
  if (UNIX_SECONDS.test(value)) return { micros: BigInt(value) * 1_000_000n };
  const match = DATE_TIME.exec(value);
  if (!match) {
    // "…04:03:53 +0000" in a query string whose "+" was not sent as %2B arrives as "…04:03:53  0000".
    const plusLost = / \d{2}:?\d{2}$/.test(value) ? " In a query string, send a + offset's + as %2B." : "";
    return { problem: `Not a time this service reads.${plusLost} ${INSTANT_FORMATS}` };
  }
  const [, y, mo, d, h, mi, s, fraction = "", , offset] = match;
  if (offset === undefined)
    return {
      problem:
        `The time has no offset, so the instant is unknown: add Z for UTC or the store's offset (e.g. -07:00 ` +
        `or -0700). ${INSTANT_FORMATS}`,
    };
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const calendar = calendarProblem(year, month, day);
  if (calendar) return { problem: `${calendar} ${INSTANT_FORMATS}` };
  if (hour > 23 || minute > 59) return { problem: `There is no time ${h}:${mi}. ${INSTANT_FORMATS}` };
  if (second === 60) return { problem: "Leap seconds (:60) are not taken: send :59.999999 or the next minute's :00." };
  if (second > 59) return { problem: `There is no second ${s}. ${INSTANT_FORMATS}` };
  let offsetMinutes = 0;
  if (!/^[Zz]$/.test(offset)) {
    const digits = offset.replace(":", "");
    const sign = digits[0] === "-" ? -1 : 1;
    const [oh, om] = [Number(digits.slice(1, 3)), Number(digits.slice(3, 5))];
    offsetMinutes = sign * (oh * 60 + om);
    if (om > 59 || offsetMinutes < -12 * 60 || offsetMinutes > 14 * 60) {
      return { problem: `No time zone has the offset ${offset}: offsets run from -12:00 to +14:00.` };
    }
  }
  // Microseconds, rounded up past the sixth digit: on microsecond data, a bound rounded up selects
  // exactly the rows the bound sent would (t >= 0.1234567 ⇔ t >= 0.123457).
  let fractionMicros = BigInt(fraction.slice(0, 6).padEnd(6, "0"));
  if (/[1-9]/.test(fraction.slice(6))) fractionMicros += 1n;
  const seconds =
    BigInt(daysFromCivil(year, month, day)) * 86_400n + BigInt(hour * 3600 + minute * 60 + second - offsetMinutes * 60);
  return { micros: seconds * 1_000_000n + fractionMicros };
}

/** The range an instant must fall in: fixed ends, or ends computed at each request (now + 1 day). */
export interface InstantRange {
  /** For messages and the API document, e.g. "2000-01-01T00:00:00Z to 1 day after now". */
  label: string;
  min: () => bigint;
  max: () => bigint;
}

const nowMicros = () => BigInt(Date.now()) * 1000n;

/**
 * Sales and voids: nothing was sold with this service before 2000 or will be more than a day from now (a register's
 * clock ahead, at worst).
 */
export const SALE_RANGE: InstantRange = {
  label: "from 2000-01-01T00:00:00Z up to 1 day after the current time",
  min: () => microsOf("2000-01-01T00:00:00Z"),
  max: () => nowMicros() + DAY_MICROS,
};

/**
 * Bounds of a query range (updated_*, transacted_*, created_*): from the Unix epoch (what pollers
 * send for "from the beginning") to the last microsecond of 9999, so every bound is a 4-digit-year
 * RFC 3339 text PostgreSQL and clients read back.
 */
export const QUERY_RANGE: InstantRange = {
  label: "from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z (UTC)",
  min: () => 0n,
  max: () => microsOf("9999-12-31T23:59:59.999Z") + 999n,
};

function rangeProblem(micros: bigint, range: InstantRange): string | null {
  if (micros >= range.min() && micros <= range.max()) return null;
  const millisHint =
    micros > range.max() && micros / 1000n >= range.min() && micros / 1000n <= range.max()
      ? " (Unix time is read in seconds; this looks like milliseconds)"
      : "";
  return `Out of range: accepted ${range.label}${millisHint}.`;
}

/**
 * The normalised text of a value that parses and falls in the range, else null (for rules that run on values that may
 * not have parsed).
 */
export function checkedInstant(value: unknown, range: InstantRange): InstantText | null {
  const parsed = parseInstant(value);
  return "micros" in parsed && rangeProblem(parsed.micros, range) === null ? instantText(parsed.micros) : null;
}

const toInstant =
  (range: InstantRange) =>
  (value: string | number, ctx: z.RefinementCtx): InstantText => {
    const parsed = parseInstant(value);
    if ("problem" in parsed) {
      ctx.addIssue({ code: "custom", message: parsed.problem, params: { code: "invalid_instant" } });
      return z.NEVER;
    }
    const problem = rangeProblem(parsed.micros, range);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem, params: { code: OUT_OF_RANGE } });
      return z.NEVER;
    }
    return instantText(parsed.micros);
  };

/** What every instant's description says after its own meaning: formats and range. */
export const instantRules = (range: InstantRange) => `${INSTANT_FORMATS} Range: ${range.label}; outside it, a 422.`;

/** An instant in a JSON body: a string in any accepted format, or Unix seconds as a number. */
export const bodyInstant = (range: InstantRange, what: string, example = "2026-10-01T18:30:00Z") =>
  z
    .union([z.string(), z.number()])
    .transform(toInstant(range))
    .describe(`${what} ${instantRules(range)}`)
    .meta({ example });

/**
 * An instant in a query string (Unix seconds as digits). Optional: describe the `.optional()` again (time-range.ts
 * rangeBound).
 */
export const queryInstant = (range: InstantRange, what: string, example = "2026-10-01T18:30:00Z") =>
  z
    .string()
    .transform(toInstant(range))
    .describe(`${what} ${instantRules(range)}`)
    .meta({ example });

/**
 * The form hashes and cursor fingerprints held when instants were parsed to a Date: its ISO text
 * (milliseconds) when the instant is a whole millisecond, else the microsecond text. Keeps receipts
 * sent again "unchanged" and cursors of earlier polls valid across the change to microseconds.
 */
export const compactInstantText = (value: unknown): unknown =>
  typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}000Z$/.test(value)
    ? `${value.slice(0, -4)}Z`
    : value;

// Calendar dates ----------------------------------------------------------------------------------

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The range a calendar date must fall in, as YYYY-MM-DD texts (which compare as strings). */
export interface DateRange {
  label: string;
  min: () => string;
  max: () => string;
}

/** Birthdays: nobody alive was born before 1900, and nobody tomorrow (today anywhere on Earth, at UTC+14). */
export const BIRTHDAY_RANGE: DateRange = {
  label: "from 1900-01-01 to today (the date at UTC+14, where each day starts first)",
  min: () => "1900-01-01",
  max: () => utcDay(Date.now() + 14 * HOUR_MS),
};

/**
 * A report's first business day: a business date a sale can have (SALE_RANGE, seen from any time
 * zone: 2000-01-01T00:00:00Z is 1999-12-31 at UTC-12; 1 day after now is up to a day later still at
 * UTC+14). `to` follows from `from` (at most 400 days later).
 */
export const REPORT_DAY_RANGE: DateRange = {
  label:
    "from 1999-12-31 up to the latest business date a sale can have (1 day after now, at UTC+14): the business dates " +
    "of the sales range",
  min: () => "1999-12-31",
  max: () => utcDay(Date.now() + 24 * HOUR_MS + 14 * HOUR_MS),
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** AIQ's birthday format (`"birthday": "05/16/1985"`). */
const US_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

const toDate =
  (range: DateRange, formats: string, aiq: boolean) =>
  (value: string, ctx: z.RefinementCtx): string => {
    const iso = ISO_DATE.exec(value);
    const us = aiq ? US_DATE.exec(value) : null;
    const parts = iso ? [iso[1], iso[2], iso[3]] : us ? [us[3], us[1], us[2]] : null;
    if (!parts) {
      ctx.addIssue({
        code: "custom",
        message: `Not a date this service reads. ${formats}`,
        params: { code: "invalid_date" },
      });
      return z.NEVER;
    }
    const [year, month, day] = parts.map(Number) as [number, number, number];
    const calendar = calendarProblem(year, month, day);
    if (calendar) {
      ctx.addIssue({ code: "custom", message: `${calendar} ${formats}`, params: { code: "invalid_date" } });
      return z.NEVER;
    }
    const text = `${parts[0]}-${parts[1]}-${parts[2]}`;
    if (text < range.min() || text > range.max()) {
      ctx.addIssue({
        code: "custom",
        message: `Out of range: accepted ${range.label}.`,
        params: { code: OUT_OF_RANGE },
      });
      return z.NEVER;
    }
    return text;
  };

/**
 * A calendar date, normalised to YYYY-MM-DD. `aiq`: also AIQ's MM/DD/YYYY (birthdays, as AIQ's
 * createUpdateMember writes them).
 */
export const dateInput = (range: DateRange, what: string, options: { aiq?: boolean; example?: string } = {}) => {
  const formats = options.aiq
    ? "Accepted formats: YYYY-MM-DD (1985-05-16) or AIQ's MM/DD/YYYY (05/16/1985)."
    : "Accepted format: YYYY-MM-DD (2026-10-01).";
  return z
    .string()
    .transform(toDate(range, formats, options.aiq ?? false))
    .describe(`${what} ${formats} Range: ${range.label}; outside it, a 422.`)
    .meta({ example: options.example ?? "2026-10-01" });
};
