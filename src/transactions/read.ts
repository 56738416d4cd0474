// Reading transactions: one record by id (also what the write side answers after a PUT), and a
// page of the list as ready-to-send JSON text. PostgreSQL renders the records; Node splices them.
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { decodeCursor, encodeCursor, filterFingerprint, timeIdPosition, toPage, type Position } from "../lib/paging.js";
import { preparedStatement } from "../lib/stable-plan.js";
import { feedBounds, toFeedPage, type FeedBounds } from "../lib/sync-feed.js";
import {
  transactionByIdQuery,
  transactionPageQuery,
  type Axis,
  type RecordFormat,
  type TransactionPageRow,
} from "./list-query.js";
import type { TransactionListQuery, TransactionRecord } from "./schemas.js";

/**
 * The query as a named (prepared) statement, one per distinct SQL text: PostgreSQL parses and plans
 * it once per connection instead of on every request (planning this SQL took 10-25 ms, as long as
 * running it for a page of 100; npm run bench), and list-query.ts shapes it so that the generic
 * plan is kept (lib/stable-plan.ts). The texts are few: one per combination of filters, axis,
 * format and page-size bound.
 */
export const preparedQuery = (text: string, values: unknown[]) => preparedStatement("tx", text, values);

/** The record's JSON text, or null when the key may not see it (another merchant, another location, or none). */
export async function loadTransactionJson(
  db: Db,
  auth: AuthContext,
  id: string,
  format: RecordFormat,
): Promise<string | null> {
  const { text, values } = transactionByIdQuery(auth, id, format);
  const { rows } = await db.pool.query<{ record: string }>(preparedQuery(text, values));
  return rows[0]?.record ?? null;
}

/** A transaction by our id, as the API serves it; null when the key may not see it. */
export async function loadTransactionRecord(db: Db, auth: AuthContext, id: string): Promise<TransactionRecord | null> {
  const json = await loadTransactionJson(db, auth, id, "standard");
  return json === null ? null : (JSON.parse(json) as TransactionRecord);
}

/** The list's axis: business time when transacted_* is given, otherwise the change feed. */
export const axisOf = (query: Pick<TransactionListQuery, "transacted_from" | "transacted_to">): Axis =>
  query.transacted_from || query.transacted_to ? "transacted" : "updated";

/**
 * A page of GET /v1/transactions as UTF-8 JSON bytes ready to send: { data, has_more, next_cursor, complete_through }
 * (complete_through null on the business-time axis, which is not a feed). Two queries on the feed
 * (its horizon, then the page), one otherwise.
 */
/** The page's JSON text and how many records it holds. */
export async function listTransactionsJson(
  db: Db,
  secret: string,
  auth: AuthContext,
  query: TransactionListQuery,
): Promise<{ json: Buffer; records: number }> {
  const { cursor, limit, format, ...filters } = query;
  const fingerprint = filterFingerprint("transactions", auth, filters);
  const after = cursor ? timeIdPosition(decodeCursor(secret, fingerprint, cursor)) : null;
  const axis = axisOf(query);
  // Read before the page's query, so the page's snapshot is taken after the horizon (sync-feed.ts).
  const bounds: FeedBounds | null =
    axis === "updated" ? await feedBounds(db.pool, query.updated_to, "transactions") : null;

  const { text, values } = transactionPageQuery(auth, filters, {
    axis,
    after,
    updatedBefore: bounds?.upper,
    rows: limit + 1,
    format,
  });
  const { rows } = await db.pool.query<TransactionPageRow>(preparedQuery(text, values));

  const cursorFor = (position: Position) => encodeCursor(secret, fingerprint, position);
  const page = toPage(
    rows,
    limit,
    (row) => [row.position_time, row.id],
    (row) => row.record,
    cursorFor,
  );
  const body = bounds ? toFeedPage(page, bounds, cursorFor, after) : { ...page, complete_through: null };
  const { data, ...rest } = body;
  // Bytes, record by record: the records hold non-ASCII text, so joining them into one string makes
  // a two-byte string that costs several times more to build and to encode (npm run bench: about
  // 50 ms of a 1,000-record page, against 5 ms this way).
  const parts: Buffer[] = [Buffer.from('{"data":[')];
  data.forEach((record, i) => parts.push(Buffer.from(i === 0 ? record : `,${record}`)));
  parts.push(Buffer.from(`],${JSON.stringify(rest).slice(1)}`));
  return { json: Buffer.concat(parts), records: data.length };
}
