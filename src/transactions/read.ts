// Reading transactions: one record by id (also what the write side answers after a PUT), and a
// page of the list as ready-to-send JSON text. PostgreSQL renders the records; Node splices them.

import type { Db } from "../db/client.js";
import { readPage } from "../db/paging.js";
import { type Executor, first } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { type RecordFormat, transactionByIdStatement, transactionListing } from "./list-query.js";
import type { TransactionListQuery, TransactionRecord } from "./schemas.js";

/**
 * The record's JSON text, or null when the key may not see it (another merchant, another location, or
 * none), read on `executor` (the pool, or the client a single PUT's write is pipelined on).
 */
export async function readTransactionJson(
  executor: Executor,
  auth: Pick<AuthContext, "merchantId" | "locationIds">,
  id: string,
  format: RecordFormat,
): Promise<string | null> {
  const row = await first(executor, transactionByIdStatement(tenantOf(auth), id, format));
  return row?.record ?? null;
}

/** readTransactionJson on the pool. */
export const loadTransactionJson = (
  db: Db,
  auth: Pick<AuthContext, "merchantId" | "locationIds">,
  id: string,
  format: RecordFormat,
): Promise<string | null> => readTransactionJson(db.pool, auth, id, format);

/** A transaction by our id, as the API serves it; null when the key may not see it. */
export async function loadTransactionRecord(
  db: Db,
  auth: Pick<AuthContext, "merchantId" | "locationIds">,
  id: string,
): Promise<TransactionRecord | null> {
  const json = await loadTransactionJson(db, auth, id, "standard");
  return json === null ? null : (JSON.parse(json) as TransactionRecord);
}

/**
 * A page of GET /v1/transactions as UTF-8 JSON bytes ready to send: { data, has_more, next_cursor, complete_through }
 * (complete_through null on the business-time axis, which is not a feed), and how many records it
 * holds. One query: the feed's horizon was read with the key (AuthContext.feedHorizon), or is read first if not.
 */
export async function listTransactionsJson(
  db: Db,
  secret: string,
  auth: AuthContext,
  query: TransactionListQuery,
): Promise<{ json: Buffer; records: number }> {
  const { cursor, limit, format, ...filters } = query;
  const body = await readPage(
    db,
    transactionListing,
    { secret, tenant: tenantOf(auth), filters, limit, cursor, format, horizon: auth.feedHorizon },
    (row) => row.record,
  );
  const { data, ...rest } = body;
  // Bytes, record by record: the records hold non-ASCII text, so joining them into one string makes
  // a two-byte string that costs several times more to build and to encode (npm run bench: about
  // 50 ms of a 1,000-record page, against 5 ms this way).
  const parts: Buffer[] = [Buffer.from('{"data":[')];
  data.forEach((record, i) => {
    parts.push(Buffer.from(i === 0 ? record : `,${record}`));
  });
  parts.push(Buffer.from(`],${JSON.stringify(rest).slice(1)}`));
  return { json: Buffer.concat(parts), records: data.length };
}
