// The one SQL of a page of transactions, for the list route and for anything else that walks the
// same filters (an exporter streaming NDJSON/CSV reuses transactionPageQuery page after page).
//
// Shape: a CTE picks the page's ids by keyset on the axis's index — (merchant_id, updated_at, id)
// or (merchant_id, transacted_at, id) — so a page 900,000 rows deep costs what the first does;
// then only those rows are joined and rendered to JSON by PostgreSQL (record-sql.ts). One query
// per page whatever its size: no N+1.
import type { AuthContext } from "../keys/scopes.js";
import type { InstantText } from "../lib/instant.js";
import type { Position } from "../lib/paging.js";
import { opaque, rowsBound } from "../lib/stable-plan.js";
import { utcText } from "../lib/sync-feed.js";
import { AIQ_COLUMNS } from "./aiq-format.js";
import { RECORD_JOINS, STANDARD_COLUMNS } from "./record-sql.js";

export type RecordFormat = "standard" | "aiq";

/** The time axis a list walks: change time (the lossless feed) or business time. */
export type Axis = "updated" | "transacted";

export interface TransactionFilters {
  /** Range bounds: normalised RFC 3339 texts with microseconds (lib/instant.ts), passed to PostgreSQL as they are. */
  updated_from?: InstantText;
  transacted_from?: InstantText;
  transacted_to?: InstantText;
  location_id?: string;
  customer_id?: string;
  status?: "completed" | "voided";
  /** The POS receipt id (unique per merchant): AIQ's way to name a sale. */
  pos_id?: string;
}

export interface PageWindow {
  axis: Axis;
  /** Serve rows strictly after this position ([axis time as RFC 3339 text, id]); null: from the start. */
  after: Position | null;
  /** Change-time axis only: serve rows with updated_at < this (the feed's bound, RFC 3339 text). */
  updatedBefore?: string;
  /** Rows to fetch (a caller that needs has_more asks for limit + 1). */
  rows: number;
  format: RecordFormat;
}

export interface TransactionPageRow {
  /** The axis time of the row, microsecond RFC 3339 UTC: with `id`, the row's position. */
  position_time: string;
  id: string;
  /** The record's JSON text (standard or AIQ shape). */
  record: string;
}

/** The record's columns as a LATERAL row `rec` beside the joins; recordJson(format) is its JSON. */
const recordRow = (format: RecordFormat) =>
  `CROSS JOIN LATERAL (SELECT ${format === "aiq" ? AIQ_COLUMNS : STANDARD_COLUMNS}) rec`;

/**
 * The record's JSON text. The aiq shape leaves out every unknown field instead of sending null
 * (AIQ reads a present null as "blank this field"); json_strip_nulls drops them at every depth,
 * keeping key order. Our own shape keeps its nulls.
 */
const recordJson = (format: RecordFormat) =>
  format === "aiq" ? "json_strip_nulls(row_to_json(rec))::text" : "row_to_json(rec)::text";

/** The conditions every read applies: the key's merchant, and its locations when it is limited. */
export function tenantConditions(auth: AuthContext, values: unknown[]): string[] {
  values.push(auth.merchantId);
  const conditions = [`t.merchant_id = $${values.length}`];
  if (auth.locationIds) {
    values.push(auth.locationIds);
    conditions.push(`t.location_id = ANY($${values.length}::uuid[])`);
  }
  return conditions;
}

export function transactionPageQuery(
  auth: AuthContext,
  filters: TransactionFilters,
  window: PageWindow,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown, cast = "") => {
    values.push(value);
    return `$${values.length}${cast}`;
  };
  // The merchant and the time bounds hidden from the planner, so a warm connection keeps one plan (lib/stable-plan.ts).
  const hidden = (value: unknown, cast: string) => opaque(param(value, cast));
  const column = window.axis === "updated" ? "t.updated_at" : "t.transacted_at";
  const where = [`t.merchant_id = ${hidden(auth.merchantId, "::uuid")}`];
  if (auth.locationIds) where.push(`t.location_id = ANY(${param(auth.locationIds, "::uuid[]")})`);
  if (filters.location_id) where.push(`t.location_id = ${param(filters.location_id, "::uuid")}`);
  if (filters.customer_id) where.push(`t.customer_id = ${param(filters.customer_id, "::uuid")}`);
  if (filters.pos_id) where.push(`t.pos_id = ${param(filters.pos_id)}`);
  if (filters.status) where.push(`t.status = ${param(filters.status)}::"TransactionStatus"`);

  const from = window.axis === "updated" ? filters.updated_from : filters.transacted_from;
  if (from) where.push(`${column} >= ${hidden(from, "::timestamptz")}`);
  if (window.after) {
    const [time, id] = window.after;
    where.push(`(${column}, t.id) > (${hidden(time, "::timestamptz")}, ${hidden(id, "::uuid")})`);
  }
  if (window.axis === "updated" && window.updatedBefore)
    where.push(`t.updated_at < ${hidden(window.updatedBefore, "::timestamptz")}`);
  if (window.axis === "transacted" && filters.transacted_to)
    where.push(`t.transacted_at < ${hidden(filters.transacted_to, "::timestamptz")}`);

  const text = `
WITH page AS (
  SELECT id, at FROM (
    SELECT t.id, ${column} AS at
    FROM transactions t
    WHERE ${where.join("\n      AND ")}
    ORDER BY ${column}, t.id
    LIMIT ${rowsBound(window.rows)}
  ) bounded
  ORDER BY at, id
  LIMIT ${param(window.rows, "::int")}
)
SELECT ${utcText("page.at")} AS position_time, t.id, ${recordJson(window.format)} AS record
FROM page
CROSS JOIN LATERAL (SELECT t.* FROM transactions t WHERE t.id = page.id OFFSET 0) t
${RECORD_JOINS}
${recordRow(window.format)}
ORDER BY page.at, page.id`;
  return { text, values };
}

/** One record by our id, within the key's merchant and locations. */
export function transactionByIdQuery(
  auth: AuthContext,
  id: string,
  format: RecordFormat,
): { text: string; values: unknown[] } {
  const values: unknown[] = [id];
  const where = ["t.id = $1::uuid", ...tenantConditions(auth, values)];
  return {
    text: `SELECT ${recordJson(format)} AS record FROM transactions t ${RECORD_JOINS} ${recordRow(format)} WHERE ${where.join(" AND ")}`,
    values,
  };
}
