// How a report answers: JSON (returned to the router) or a CSV download of its rows, chosen by
// `format` or the Accept header; and the cap on the rows one answer may hold.
import type { Request, Response } from "express";
import { type CsvColumn, sendCsv, toCsv, wantsCsv } from "../lib/csv.js";
import { AppError } from "../lib/errors.js";
import { countRowsServed } from "../metrics/http.js";

/** Reports are not paged: an answer holds at most this many rows (e.g. 300 products × 365 days). */
export const MAX_REPORT_ROWS = 100_000;

export const tooManyRows = () =>
  new AppError(
    "unprocessable",
    `The report would have more than ${MAX_REPORT_ROWS} rows: narrow the range, use a longer period, or a coarser grouping.`,
  );

export interface ReportAnswer<R> {
  json: unknown;
  csv: { filename: string; columns: CsvColumn<R>[]; rows: R[] };
}

/** Decides the format before the report is computed (a 406 costs no query). */
export function reportFormat(req: Request, res: Response, format: "json" | "csv" | undefined): "json" | "csv" {
  res.setHeader("Vary", "Accept");
  return wantsCsv(req, format) ? "csv" : "json";
}

export function answer<R>(res: Response, format: "json" | "csv", report: ReportAnswer<R>): unknown {
  if (format === "json") return report.json;
  countRowsServed(res, "page", report.csv.rows.length);
  sendCsv(res, report.csv.filename, toCsv(report.csv.columns, report.csv.rows));
  return undefined;
}
