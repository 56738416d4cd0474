// How a report answers: JSON (its 200 body) or a CSV download of its rows, chosen by
// `format` or the Accept header; and the cap on the rows one answer may hold.
import type { Request, Response } from "express";
import type { Answer, NotJson, Respond } from "../lib/answer.js";
import { CSV_CONTENT_TYPE, type CsvColumn, toCsv, wantsCsv } from "../lib/csv.js";
import { AppError } from "../lib/errors.js";
import { countRowsServed } from "../metrics/http.js";

/** Reports are not paged: an answer holds at most this many rows (e.g. 300 products × 365 days). */
export const MAX_REPORT_ROWS = 100_000;

export const tooManyRows = () =>
  new AppError(
    "unprocessable",
    `The report would have more than ${MAX_REPORT_ROWS} rows: narrow the range, use a longer period, or a coarser ` +
      `grouping.`,
  );

/**
 * A report's figures, named by its figure schema (the zod shape, whose key order is the order of the
 * JSON fields and CSV columns): `of(row)` takes them from a statement's row (which also holds its
 * period, group, ...), `csvColumns` are their CSV columns.
 */
export function reportFigures<K extends string>(schema: Record<K, unknown>) {
  const names = Object.keys(schema) as K[];
  return {
    of: <R extends Record<K, unknown>>(row: R): Pick<R, K> =>
      Object.fromEntries(names.map((name) => [name, row[name]])) as Pick<R, K>,
    csvColumns: <R extends Record<K, string | number | null>>(): CsvColumn<R>[] =>
      names.map((name) => ({ header: name, value: (row) => row[name] })),
  };
}

/** The rows of a report's statement as answered; more than MAX_REPORT_ROWS (it fetched one more to tell) is a 422. */
export function servedRows<S, R>(rows: S[], toRow: (row: S) => R): R[] {
  if (rows.length > MAX_REPORT_ROWS) throw tooManyRows();
  return rows.map(toRow);
}

export interface ReportAnswer<J, R> {
  json: J;
  csv: { filename: string; columns: CsvColumn<R>[]; rows: R[] };
}

/** Decides the format before the report is computed (a 406 costs no query). */
export function reportFormat(req: Request, res: Response, format: "json" | "csv" | undefined): "json" | "csv" {
  res.setHeader("Vary", "Accept");
  return wantsCsv(req, format) ? "csv" : "json";
}

/** The responses of a route that answers CSV (besides its JSON) at 200: every report. */
type CsvResponses = { 200: { description: string; contentTypes: readonly [typeof CSV_CONTENT_TYPE] } };

/** The report's JSON (the 200 body), or its rows as a CSV download. */
export function answer<J, R>(
  { res, respond }: { res: Response; respond: Pick<Respond<CsvResponses>, "text"> },
  format: "json" | "csv",
  report: ReportAnswer<J, R>,
): J | Answer<200, NotJson> {
  if (format === "json") return report.json;
  countRowsServed(res, "page", report.csv.rows.length);
  const csv = toCsv(report.csv.columns, report.csv.rows);
  return respond.text(200, `${CSV_CONTENT_TYPE}; charset=utf-8`, csv, { filename: report.csv.filename });
}
