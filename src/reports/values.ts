// The value shapes of report figures: exact decimal strings (never floats), as PostgreSQL's
// NUMERIC arithmetic produced them, and the period columns every time-grouped report shares.
import { type RawBuilder, sql } from "kysely";
import { z } from "zod";
import type { Period } from "./params.js";
import { reportFigures } from "./respond.js";

export const money = (description: string, example = "1234.50") =>
  z
    .string()
    .regex(/^-?\d+\.\d{2}$/)
    .describe(`${description} Exact decimal string, to the cent.`)
    .meta({ example });

export const quantity = (description: string, example = "312.000") =>
  z
    .string()
    .regex(/^-?\d+\.\d{3}$/)
    .describe(`${description} Exact decimal string (3 decimals: flower is sold by the gram).`)
    .meta({ example });

export const percent = (description: string, example = "42.15") =>
  z
    .string()
    .regex(/^-?\d+\.\d{2}$/)
    .nullable()
    .describe(`${description} Percent with 2 decimals, as a decimal string; null when the base is zero.`)
    .meta({ example });

export const count = (description: string, example = 128) =>
  z.number().int().min(0).describe(description).meta({ example });

export const businessDay = (description: string, example: string) =>
  z.iso.date().describe(description).meta({ example });

export const periodColumns = {
  period: z
    .string()
    .describe("The period's label: `2026-10-05` (day), `2026-W41` (ISO week), `2026-10` (month).")
    .meta({ example: "2026-10" }),
  period_start: businessDay("First business day of the period inside the range, inclusive.", "2026-10-01"),
  period_end: businessDay("Business day after the period's last one inside the range, exclusive.", "2026-11-01"),
};

/** The period columns in a time-grouped report's CSV, as they are named and ordered in its JSON rows. */
export const periodCsvColumns = <R extends Record<keyof typeof periodColumns, string>>() =>
  reportFigures(periodColumns).csvColumns<R>();

/** A report's answer: its figures over everything covered (totals), and the same figures per row (data). */
export const totalsAndRows = <F extends z.ZodRawShape, R extends z.ZodType>(
  figures: F,
  row: R,
  about: { totals: string; data: string },
) => ({
  totals: z.object(figures).describe(about.totals),
  data: z.array(row).describe(about.data),
});

/** The range and period a time-grouped report asks for: statement values, never SQL text. */
export interface PeriodRange {
  period: Period;
  /** First business day, inclusive (YYYY-MM-DD). */
  from: string;
  /** Business day after the last, exclusive (YYYY-MM-DD). */
  to: string;
}

/**
 * SQL for a period's label, start and end (clipped to [from, to)), given `bucket` (the name of the
 * period's first day, a date column of the report's own sub-select) and the range's values.
 */
export function periodSql(bucket: string, { period, from, to }: PeriodRange): RawBuilder<unknown> {
  const b = sql.raw(bucket);
  return sql`CASE ${period}::text WHEN 'day' THEN to_char(${b}, 'YYYY-MM-DD')
    WHEN 'week' THEN to_char(${b}, 'IYYY-"W"IW') ELSE to_char(${b}, 'YYYY-MM') END AS period,
       to_char(greatest(${b}, ${from}::date), 'YYYY-MM-DD') AS period_start,
       to_char(least((${b} + ('1 ' || ${period}::text)::interval)::date, ${to}::date), 'YYYY-MM-DD') AS period_end`;
}
