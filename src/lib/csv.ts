// CSV answers: choosing CSV over JSON (`format=csv` or `Accept: text/csv`), writing RFC 4180 text
// with csv-stringify (fields with commas, quotes or line breaks are quoted, quotes doubled, CRLF
// between records), and sending it as a download.

import { stringify } from "csv-stringify/sync";
import type { Request } from "express";
import { z } from "zod";
import { AppError } from "./errors.js";
import { prose } from "./prose.js";

export const CSV_CONTENT_TYPE = "text/csv";

export interface CsvColumn<R> {
  header: string;
  value(row: R): string | number | boolean | null | undefined;
  /**
   * Free text (names, categories): a cell starting with = + - @ or a control character gets a
   * leading apostrophe, so a spreadsheet shows it instead of running it as a formula (CSV
   * injection). Never set on numbers: "-12.50" must stay a number.
   */
  text?: boolean;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** A column headed `header` whose cell is `value(row)`; `text`: free text, guarded against formulas. */
export const csvColumn = <R>(header: string, value: CsvColumn<R>["value"], text = false): CsvColumn<R> => ({
  header,
  value,
  text,
});

export function toCsv<R>(columns: CsvColumn<R>[], rows: Iterable<R>): string {
  const records: (string | number | boolean | null)[][] = [columns.map((c) => c.header)];
  for (const row of rows) {
    records.push(
      columns.map((column) => {
        const value = column.value(row) ?? null;
        return column.text && typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : value;
      }),
    );
  }
  return stringify(records, {
    record_delimiter: "windows",
    // csv-stringify quotes a field holding the record delimiter (CRLF), not a lone LF or CR: a
    // spreadsheet would still start a new row there, so quote those too.
    quoted_match: /[\r\n]/,
    cast: { boolean: (b) => (b ? "true" : "false") },
  });
}

/**
 * The Accept header of a route that answers one of `types` (the first by default), for
 * RouteDef.headers: documented with the route's parameters, read by wantsCsv / exportFormat.
 */
export const acceptHeaders = (types: string[]) =>
  z.object({
    Accept: z
      .string()
      .optional()
      .describe(prose`
        Which of ${types.join(" or ")} to answer (absent or both: ${types[0]}); a \`format\` parameter wins. Neither:
        406.
      `)
      .meta({ example: CSV_CONTENT_TYPE }),
  });

/**
 * CSV or JSON? An explicit `format` wins; otherwise the Accept header decides (JSON when it
 * accepts both, or says nothing). A request that accepts neither is a 406.
 */
export function wantsCsv(req: Request, format: "json" | "csv" | undefined): boolean {
  if (format) return format === "csv";
  const chosen = req.accepts(["application/json", CSV_CONTENT_TYPE]);
  if (chosen === false) {
    throw new AppError(
      "not_acceptable",
      "This answer is available as application/json or text/csv (or send format=json|csv).",
    );
  }
  return chosen === CSV_CONTENT_TYPE;
}
