// GET /v1/export/transactions: the list's filters and axes (the lossless change feed by default, or
// business time with transacted_*), streamed. Each batch is a page of the list's own walk
// (db/paging.ts over transactionListing: keyset on the axis's index, records rendered as JSON by
// PostgreSQL, each on one line), so for NDJSON the records' bytes pass through from a binary COPY of
// that statement to the socket (stream.ts); CSV parses each record and writes one row per line item.
import type { z } from "zod";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { loadKeptLineMaps } from "../transactions/kept-lines.js";
import { type TransactionPageRow, transactionListing } from "../transactions/list-query.js";
import { transactionListQuery } from "../transactions/schemas.js";
import { exportQueryOf } from "./params.js";
import { exportRoute } from "./route.js";
import { EXPORT_BATCH, type ExportPlan, exportWalk, type PlanContext } from "./stream.js";
import { type TransactionCsvRow, transactionCsvColumns, transactionCsvRows } from "./transaction-csv.js";

export const transactionExportQuery = exportQueryOf(transactionListQuery.shape).describe(
  "The filters of GET /v1/transactions, and how to stream them.",
);
export type TransactionExportQuery = z.output<typeof transactionExportQuery>;

export function transactionExportPlan(
  auth: AuthContext,
  query: TransactionExportQuery,
): ExportPlan<TransactionPageRow, TransactionPageRow, TransactionCsvRow> {
  return {
    walk: exportWalk(transactionListing, auth, query),
    batchSize: EXPORT_BATCH,
    ndjson: (row) => row.record,
    // PostgreSQL renders each record's line (list-query.ts): NDJSON passes its bytes through.
    passthrough: { position: ["position_time", "id"], line: "record" },
    csv: { columns: transactionCsvColumns, rowsOf: (row) => transactionCsvRows(row.record) },
  };
}

/**
 * Records in the first batch when Node splices the kept lines: it is held whole until it has ended (its errors still
 * become problem details), so it stays small; the client has its first records sooner too.
 */
export const KEPT_LINES_FIRST_BATCH = 2 * EXPORT_BATCH;

/**
 * Records in each later batch when Node splices the kept lines. Between two batches PostgreSQL waits: the batch's last
 * rows are read and spliced, the next COPY is sent, parsed and planned (~2 ms), so the fewer batches the more of an
 * export PostgreSQL and Node work at once. Measured on big (1,000,000 records, `npm run bench -- --only export`,
 * Node 20 / 24, one run each): batches of 1,000, 52,451 records/s (0.46x COPY of the raw rows); after a first of
 * 1,000, batches of 5,000, 66,885 / 66,497 (0.58x / 0.56x), of 10,000, 65,473 / 63,703; of 5,000 with a slow
 * client's pause (stream.ts's HELD_BYTES), 65,109 / 65,238 (0.55x / 0.60x), peak RSS 151 / 188 MB. As the records
 * are sent as they arrive and a slow client pauses the COPY, a batch's size does not decide what the server holds;
 * its checkpoint comes after it: a client cut off resumes at most a batch back.
 */
export const KEPT_LINES_BATCH = 10 * EXPORT_BATCH;

/**
 * The export's plan: for NDJSON of our own shape, the records read with their kept lines and the products and stock
 * filled in by Node from maps loaded now (kept-lines.ts), unless those maps would be larger than
 * EXPORT_KEPT_LINES_MAX_ROWS or max_records asks for one batch at most; otherwise (and for CSV and the aiq shape)
 * transactionExportPlan's, the lines rendered by PostgreSQL. The records' bytes are the same either way.
 */
export async function keptLinesExportPlan(
  auth: AuthContext,
  query: TransactionExportQuery,
  { format, db, config }: PlanContext,
): Promise<ExportPlan<TransactionPageRow, TransactionPageRow, TransactionCsvRow>> {
  const plan = transactionExportPlan(auth, query);
  const most = config.EXPORT_KEPT_LINES_MAX_ROWS;
  if (format !== "ndjson" || query.shape !== "standard" || most === 0) return plan;
  // At most one batch (a poller's small increment): loading the maps would cost more than the lines' SQL saves.
  if (query.max_records !== undefined && query.max_records <= KEPT_LINES_FIRST_BATCH) return plan;
  const maps = await loadKeptLineMaps(db.pool, tenantOf(auth), most);
  if (!maps) return plan;
  return {
    ...plan,
    walk: exportWalk(transactionListing, auth, query, true),
    batchSize: KEPT_LINES_BATCH,
    firstBatchSize: KEPT_LINES_FIRST_BATCH,
    passthrough: { ...plan.passthrough!, splice: { location: "location_id", maps } },
  };
}

export const transactionExportRoute = exportRoute({
  resource: "transactions",
  operationId: "exportTransactions",
  scope: "transactions:read",
  query: transactionExportQuery,
  plan: keptLinesExportPlan,
  about: [
    "Without a transacted_* range, the change feed by (updated_at, id), lossless; with " +
      "transacted_from/transacted_to, by (transacted_at, id), for backfills by sale date.",
    "NDJSON of our own shape reads each line's stock_on_hand, and the product of a line whose SKU had none when " +
      "sold, once, at the export's start: a long export shows the stock as it was when it began. CSV and shape=aiq " +
      "(and an export whose merchant holds more products and stock rows than the server keeps in memory for it) read " +
      "them with each batch of records.",
    "CSV: one row per line item, the receipt's columns (receipt_*) repeated on each of its lines; group by " +
      "transaction_id for receipts (take receipt_* once per receipt, sum line_total over lines). max_records counts " +
      "transactions, not CSV rows.",
  ],
  exampleQuery: { transacted_from: "2025-11-01T00:00:00Z", transacted_to: "2026-11-01T00:00:00Z", format: "ndjson" },
  examples: {
    ndjson: [
      '{"id":"0192f0c4-…","pos_id":"R-10442","location":{…},"transacted_at":"2026-10-31T23:58:02.118000Z","totals":' +
        '{"total":"61.43",…},"line_items":[…],…}',
      '{"export":"checkpoint","records":500,"next_cursor":"eyJ2IjoxLC…"}',
      '{"id":"0192f0c4-…",…}',
      '{"export":"end","records":2417,"has_more":false,"next_cursor":null,"complete_through":null}',
      "",
    ].join("\n"),
    csv: [
      "transaction_id,pos_id,location_id,location_pos_id,location_name,business_date,transacted_at,…,line_number,sku," +
        "…,name,brand,…,line_total,…,updated_at",
      '0192f0c4-…,R-10442,0192efa1-…,DEN-1,"Denver, Colfax",2026-10-31,2026-10-31T23:58:02.118000Z,…,1,BD-35,…,"Blue ' +
        'Dream 3.5g ""Reserve""",Good Farms,…,40.92,…,2026-11-01T00:00:03.512210Z',
      "",
    ].join("\r\n"),
  },
});
