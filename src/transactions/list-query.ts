// The transactions list, declared to the paging engine (db/paging.ts), and the one-record read. The
// list and its export (NDJSON/CSV) walk the same declaration.
//
// Shape: the page's ids are picked by keyset on the axis's index — (merchant_id, updated_at, id)
// or (merchant_id, transacted_at, id) — so a page 900,000 rows deep costs what the first does;
// then only those rows are joined and rendered to JSON by PostgreSQL (record-sql.ts). One query
// per page whatever its size: no N+1.
import { sql } from "kysely";
import type { Listing, View } from "../db/paging.js";
import { type Columns, type Statement, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import type { InstantText } from "../lib/instant.js";
import type { RecordFormat } from "../lib/record-format.js";
import { utcText } from "../lib/sync-feed.js";
import { AIQ_COLUMNS } from "./aiq-format.js";
import { CUSTOMER_JOIN, keptLinesRecordJson, RECORD_JOINS, standardRecordJson, t } from "./record-sql.js";

export type { RecordFormat };

export interface TransactionFilters {
  /** Range bounds: normalised RFC 3339 texts with microseconds (lib/instant.ts), passed to PostgreSQL as they are. */
  updated_from?: InstantText;
  updated_to?: InstantText;
  transacted_from?: InstantText;
  transacted_to?: InstantText;
  location_id?: string;
  customer_id?: string;
  status?: "completed" | "voided";
  /** The POS receipt id (unique per merchant): AIQ's way to name a sale. */
  pos_id?: string;
}

/**
 * A page's row: the axis time (microsecond RFC 3339 UTC text) and id are its position; the record is JSON text
 * (with View.keptLines, with markers where the lines' products and stock go, and the receipt's store beside it).
 */
export type TransactionPageRow = Columns<"transactions", "id"> & { position_time: string; record: string } & Partial<
    Columns<"transactions", "location_id">
  >;

/** The aiq shape's columns as a LATERAL row `rec` beside the joins and the customer's row (recordOf renders it). */
const AIQ_ROW = `${CUSTOMER_JOIN}
  CROSS JOIN LATERAL (SELECT ${AIQ_COLUMNS}) rec`;

/**
 * The record's JSON text, and what it needs besides the joins. Our own shape is joined from the
 * fragments kept with the rows (record-sql.ts). The aiq shape leaves out every unknown field instead
 * of sending null (AIQ reads a present null as "blank this field"); json_strip_nulls drops them at
 * every depth, keeping key order. On one line (an NDJSON export): PostgreSQL escapes line breaks
 * inside JSON strings, so the only raw ones in its JSON text are the layout json_agg puts between
 * array elements, removed here, in C, rather than copying every record again in Node.
 */
const recordOf = ({ format, oneLine, keptLines }: View): { json: string; row: string } =>
  keptLines
    ? { json: keptLinesRecordJson, row: "" }
    : format === "aiq"
      ? {
          json: oneLine
            ? "replace(json_strip_nulls(row_to_json(rec))::text, E'\\n', '')"
            : "json_strip_nulls(row_to_json(rec))::text",
          row: AIQ_ROW,
        }
      : { json: standardRecordJson(oneLine), row: "" };

const column = (name: "location_id" | "customer_id" | "pos_id" | "status") => sql.ref(t[name]);

export const transactionListing: Listing<TransactionFilters, TransactionPageRow, TransactionPageRow, "transactions"> = {
  scope: "transactions",
  feed: "transactions",
  prepare: "tx",
  table: "transactions",
  alias: "t",
  axes: { updated: "updated_at", transacted: "transacted_at" },
  locations: true,
  // Ids, not the rows themselves: on a small merchant's tables never analysed, PostgreSQL picks a page by a
  // bitmap scan of every later receipt and a sort, and sorting whole rows made an export batch of 500 on the demo
  // 3.6× its analysed cost (25.8 against 7.2 ms) where sorting ids makes it 1.9× (14.8 against 7.7 ms). Reading
  // each picked row again by primary key costs ~4% once analysed (big, COPY of 100,000 receipts: 2.44 → 2.55 s).
  pick: "ids",
  conditions: (filters) => [
    filters.location_id && sql`${column("location_id")} = ${filters.location_id}::uuid`,
    filters.customer_id && sql`${column("customer_id")} = ${filters.customer_id}::uuid`,
    filters.pos_id && sql`${column("pos_id")} = ${filters.pos_id}`,
    filters.status && sql`${column("status")} = ${filters.status}::"TransactionStatus"`,
  ],
  body: ({ view }) => {
    const record = recordOf(view);
    return sql<TransactionPageRow>`SELECT ${sql.raw(utcText("page.at"))} AS position_time, t.id, ${sql.raw(
      record.json,
    )} AS record${sql.raw(view.keptLines ? `, ${t.location_id}` : "")}
FROM page
CROSS JOIN LATERAL (SELECT t.* FROM transactions t WHERE ${sql.ref(t.id)} = page.id OFFSET 0) t
${sql.raw(RECORD_JOINS)}
${sql.raw(record.row)}
ORDER BY page.at, page.id`;
  },
  positionOf: (row) => [row.position_time, row.id],
};

/** One record by our id, within the key's merchant and locations. */
export function transactionByIdStatement(
  tenant: Tenant,
  id: string,
  format: RecordFormat,
): Statement<{ record: string }> {
  const record = recordOf({ format, oneLine: false });
  return tenantStatement(
    tenant,
    sql<{ record: string }>`SELECT ${sql.raw(record.json)} AS record FROM transactions t ${sql.raw(
      RECORD_JOINS,
    )} ${sql.raw(record.row)} WHERE ${sql.ref(t.id)} = ${id}::uuid AND ${tenant.where("t")}`,
    { prepare: "tx" },
  );
}
