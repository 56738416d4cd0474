// The query parameters an export adds to its list's filters (format, shape, cursor, max_records),
// and the choice between NDJSON and CSV. The filters themselves are the list's own zod pieces, so
// an export and its list cannot disagree on what a filter means.
import type { Request } from "express";
import { z } from "zod";
import { CSV_CONTENT_TYPE } from "../lib/csv.js";
import { AppError } from "../lib/errors.js";
import { pagingParams } from "../lib/paging.js";
import { prose } from "../lib/prose.js";
import { timeRangeRules } from "../lib/time-range.js";
import { wholeNumber } from "../lib/validation.js";

export const NDJSON_CONTENT_TYPE = "application/x-ndjson";

/** One export answer holds at most this many records; more is a second request with next_cursor. */
export const MAX_EXPORT_RECORDS = 10_000_000;

export type ExportFormat = "ndjson" | "csv";

export const exportParams = {
  format: z
    .enum(["ndjson", "csv"])
    .optional()
    .describe(prose`
      \`ndjson\`: one JSON record per line, then an end line (see the description). \`csv\`: a header row, then rows.
      Absent: the Accept header decides (application/x-ndjson or text/csv; NDJSON when it accepts both or says nothing).
    `),
  shape: z
    .enum(["standard", "aiq"])
    .default("standard")
    .describe(prose`
      \`standard\`: the list's own records. \`aiq\`: each record in AIQ's push shape, as the list's format=aiq (NDJSON
      only: a CSV is always the standard record, flattened).
    `),
  cursor: pagingParams.cursor.describe(prose`
    Resume after this point: the \`next_cursor\` of an export's end line or of a checkpoint line, or a \`next_cursor\`
    of the same list (GET without /export) with the same filters. Opaque; only valid with the same filters (otherwise a
    400).
  `),
  max_records: wholeNumber(z.number().int().min(1).max(MAX_EXPORT_RECORDS))
    .optional()
    .describe(prose`
      Stop after this many records (1 to ${MAX_EXPORT_RECORDS}; absent: the whole range, up to that many). The end line
      then says has_more: true and its next_cursor continues exactly after the last record.
    `),
};

/** The export's own parameters: not filters, so not part of what a cursor is bound to. */
export const EXPORT_ONLY = ["format", "shape", "cursor", "max_records"] as const;

/** The filters of a parsed export query, named as the list names them (so the cursors are the list's). */
export function listFilters<Q extends Record<string, unknown>>(query: Q): Omit<Q, (typeof EXPORT_ONLY)[number]> {
  const filters: Record<string, unknown> = { ...query };
  for (const name of EXPORT_ONLY) delete filters[name];
  return filters as Omit<Q, (typeof EXPORT_ONLY)[number]>;
}

/**
 * shape=aiq is nested JSON made for AIQ's ingestion: no CSV of it. Listed beside every other issue
 * (use with `{ when: () => true }`), on the values as far as they parsed.
 */
export const shapeRule = [
  (query: { format?: unknown; shape?: unknown }, ctx: z.RefinementCtx) => {
    if (query.format === "csv" && query.shape === "aiq") {
      ctx.addIssue({
        code: "custom",
        path: ["shape"],
        message: "shape=aiq is available as NDJSON only (format=ndjson); a CSV is the standard record, flattened.",
      });
    }
  },
  { when: () => true },
] as const;

/**
 * NDJSON or CSV? An explicit `format` wins; otherwise the Accept header decides (NDJSON when it
 * accepts both or says nothing). Nothing acceptable: 406, before any query runs.
 */
export function exportFormat(req: Request, format: ExportFormat | undefined, shape: "standard" | "aiq"): ExportFormat {
  if (format) return format;
  const offered = shape === "aiq" ? [NDJSON_CONTENT_TYPE] : [NDJSON_CONTENT_TYPE, CSV_CONTENT_TYPE];
  const chosen = req.accepts(offered);
  if (chosen === false) {
    throw new AppError(
      "not_acceptable",
      shape === "aiq"
        ? `This export (shape=aiq) is available as ${NDJSON_CONTENT_TYPE} only.`
        : `This export is available as ${NDJSON_CONTENT_TYPE} or ${CSV_CONTENT_TYPE} (or send format=ndjson|csv).`,
    );
  }
  return chosen === CSV_CONTENT_TYPE ? "csv" : "ndjson";
}

/**
 * An export's query: its list's filters (the list's own zod pieces, without its paging and format)
 * and the export's own parameters, with the list's time-range rules.
 */
export function exportQueryOf<S extends z.ZodRawShape & { limit: unknown; cursor: unknown; format: unknown }>(
  listShape: S,
) {
  const { limit: _limit, cursor: _cursor, format: _format, ...filterParams } = listShape;
  const query = z.strictObject({ ...(filterParams as Omit<S, "limit" | "cursor" | "format">), ...exportParams });
  // The rules read only the range and format parameters, which every export query has.
  type Rule = readonly [(value: z.output<typeof query>, ctx: z.RefinementCtx) => void, { when: () => boolean }];
  return query.superRefine(...(timeRangeRules as unknown as Rule)).superRefine(...(shapeRule as unknown as Rule));
}
