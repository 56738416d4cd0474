// Reading transactions: one record by id (also what the write side answers after a PUT), and a
// page of the list as ready-to-send JSON text. PostgreSQL renders the records; Node splices them.

import type { Db } from "../db/client.js";
import { readPage } from "../db/paging.js";
import { type Executor, first } from "../db/sql.js";
import { type Tenant, tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { MAX_LIMIT } from "../lib/paging.js";
import {
  type Buffers,
  GrowingOutput,
  type KeptLineMaps,
  LineNeeds,
  loadLineStock,
  spliceRecord,
} from "./kept-lines.js";
import {
  type RecordFormat,
  type TransactionPageRow,
  transactionByIdStatement,
  transactionListing,
} from "./list-query.js";
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
 * The fewest records a page of our own shape must ask for to read its lines from the receipts' kept text
 * (kept-lines.ts: one column instead of a sub-select of each receipt's lines with a probe of each line's stock), then
 * the products and stock they name in one more statement (loadLineStock). PostgreSQL's work for the records drops by
 * half, but the lookup probes each (store, product) the page names once, and the service reads and fills in the
 * markers: a small merchant's page names few products many times over and gains, a large catalog's names nearly one
 * per line and gains nothing. PostgreSQL and the service's reading alone, p50, quiet machine, lines in SQL against
 * kept: many (a small merchant, 300 products) 250 records 9.1 / 8.9 ms, 500 16.7 / 12.9 ms, 1,000 28.7 / 21.7 ms;
 * big (3,000 products, 5 stores) 250 6.8 / 8.2 ms, 500 15.3 / 18.2 ms, 1,000 29.4 / 29.1 ms. So only the largest page
 * (MAX_LIMIT, a backfill's) reads them kept, where no shape loses; the others stay one round trip.
 */
export const KEPT_LINES_PAGE = MAX_LIMIT;

/** Whether a page of `limit` records in `format` reads its lines from the kept text (KEPT_LINES_PAGE). */
export const readsKeptLines = (format: RecordFormat, limit: number): boolean =>
  format === "standard" && limit >= KEPT_LINES_PAGE;

/**
 * A page of GET /v1/transactions as UTF-8 JSON bytes ready to send: { data, has_more, next_cursor, complete_through }
 * (complete_through null on the business-time axis, which is not a feed), and how many records it
 * holds. One query for the records: the feed's horizon was read with the key (AuthContext.feedHorizon), or is read
 * first if not. Each record is encoded into the body as its row arrives, while PostgreSQL still renders the next ones:
 * on a page of 1,000 (2.5 MB, every record with a non-ASCII character, so two-byte strings that are
 * slow to encode) that took the encoding, ~3 ms, off the time between the last row and the answer.
 * A large page of our own shape reads each receipt's kept lines instead (readsKeptLines), then the products and stock
 * they name in one more statement, filled in as the page's bytes are written: KeptLinesPage.
 */
export async function listTransactionsJson(
  db: Db,
  secret: string,
  auth: AuthContext,
  query: TransactionListQuery,
): Promise<{ json: Buffer; records: number }> {
  const { cursor, limit, format, ...filters } = query;
  const tenant = tenantOf(auth);
  const page = new TransactionPage(limit, readsKeptLines(format, limit));
  const { data, ...rest } = await readPage(
    db,
    transactionListing,
    { secret, tenant, filters, limit, cursor, format, horizon: auth.feedHorizon, keptLines: page.keptLines },
    (row) => row.record,
    (row, index) => page.add(row, index),
  );
  if (page.records !== data.length) throw new Error(`${page.records} records read for a page of ${data.length}`);
  return { json: await page.finish(db.pool, tenant, rest), records: data.length };
}

/**
 * A page's bytes from its statement's rows as they arrive (`add`): the records encoded one by one (PageWriter), or,
 * read with their kept lines (readsKeptLines), through KeptLinesPage and the stock their lines name (loadLineStock).
 * What the service answers, and the bench's pg-json baseline reads (bench/baseline.ts).
 */
export class TransactionPage {
  readonly #plain: PageWriter | null;
  readonly #kept: KeptLinesPage | null;

  constructor(
    private readonly limit: number,
    readonly keptLines: boolean,
  ) {
    this.#kept = keptLines ? new KeptLinesPage(limit) : null;
    this.#plain = keptLines ? null : new PageWriter(limit);
  }

  get records(): number {
    return (this.#kept ?? this.#plain)!.records;
  }

  /** The statement's row `index`: the page is its first `limit` rows; the one after them only says more follow. */
  add(row: TransactionPageRow, index: number): void {
    if (index >= this.limit) return;
    if (this.#kept) this.#kept.add(row.record, row.location_id!);
    else this.#plain!.add(row.record);
  }

  /** The page's bytes, `rest` after the records; a kept page's stock read now, with `executor`. */
  async finish(executor: Executor, tenant: Tenant, rest: object): Promise<Buffer> {
    if (!this.#kept) return this.#plain!.finish(rest);
    return this.#kept.finish(await loadLineStock(executor, tenant, this.#kept.needs), rest);
  }
}

/**
 * A page of our own shape from records with their kept lines' markers (kept-lines.ts): each record encoded as it
 * arrives (PageWriter) and what its markers name noted (`needs`, for loadLineStock); `finish` writes the page again
 * with the markers filled in from the maps, every record's lines laid out as the pages' SQL renders them.
 */
export class KeptLinesPage {
  readonly #raw: PageWriter;
  readonly #spans: number[] = [];
  readonly #stores: string[] = [];
  readonly needs = new LineNeeds();

  constructor(expected: number) {
    this.#raw = new PageWriter(expected);
  }

  get records(): number {
    return this.#raw.records;
  }

  /** A record as PostgreSQL sent it, markers in place, of a receipt at `store`. */
  add(record: string, store: string): void {
    const start = this.#raw.add(record);
    const end = this.#raw.written;
    this.needs.add(this.#raw.bytes, start, end, store);
    this.#spans.push(start, end);
    this.#stores.push(store);
  }

  /** The page's bytes (`rest` after the records), its markers filled in from `maps`. */
  finish(maps: KeptLineMaps, rest: object): Buffer {
    const raw = this.#raw.finish(rest);
    const out = new GrowingOutput(FRESH_BUFFERS, Buffer.allocUnsafe(raw.length + (raw.length >> 2) + 65536));
    let copied = 0;
    for (let i = 0; i < this.#stores.length; i++) {
      const start = this.#spans[2 * i]!;
      const end = this.#spans[2 * i + 1]!;
      out.room(start - copied);
      out.at += raw.copy(out.backing, out.at, copied, start);
      spliceRecord(maps, raw, start, end, maps.stock.get(this.#stores[i]!), out, "page");
      copied = end;
    }
    out.room(raw.length - copied);
    out.at += raw.copy(out.backing, out.at, copied);
    return out.backing.subarray(0, out.at);
  }
}

/** A page's buffers: its own, freed with it. */
const FRESH_BUFFERS: Buffers = { take: (size) => Buffer.allocUnsafe(size), give: () => {} };

const PAGE_HEAD = '{"data":[';

/**
 * `{"data":[…records],…rest}` as UTF-8 bytes, ready to send, written record by record as the rows arrive. Bytes,
 * not one joined string: the records hold non-ASCII text, so joining them makes a two-byte string that costs
 * several times more to build and to encode (npm run bench: about 50 ms of a 1,000-record page, against
 * 5 ms this way). Each record is encoded once, straight into one buffer: a Buffer per record (Buffer.from
 * measures the text, then encodes it) and their concatenation cost ~520 µs of CPU for a 100-record page,
 * this ~340 µs.
 */
export class PageWriter {
  #bytes: Buffer;
  #at = 0;
  #records = 0;

  /**
   * Room is made for `expected` records the size of the first one when it comes (nearly all ASCII: an
   * eighth more bytes than characters), grown if ever short.
   */
  constructor(private readonly expected: number) {
    this.#bytes = Buffer.allocUnsafe(1024);
    this.#put(PAGE_HEAD);
  }

  get records(): number {
    return this.#records;
  }

  /** Adds a record; answers where its bytes start (they end at `written`). */
  add(record: string): number {
    if (this.#records === 0) {
      const chars = (record.length + 1) * this.expected + 64;
      this.#grow(chars + (chars >> 3));
    } else this.#put(",");
    const start = this.#at;
    this.#put(record);
    this.#records++;
    return start;
  }

  /** The bytes written so far (`written` of them), until the next record is added. */
  get bytes(): Buffer {
    return this.#bytes;
  }

  get written(): number {
    return this.#at;
  }

  /** The page's bytes, `rest` after the records (its own fields, in its order). */
  finish(rest: object): Buffer {
    this.#put(`],${JSON.stringify(rest).slice(1)}`);
    return this.#bytes.subarray(0, this.#at);
  }

  #grow(bytes: number): void {
    if (bytes <= this.#bytes.length) return;
    const bigger = Buffer.allocUnsafe(bytes);
    this.#bytes.copy(bigger, 0, 0, this.#at);
    this.#bytes = bigger;
  }

  #put(text: string): void {
    const written = this.#bytes.write(text, this.#at);
    // Buffer#write stops before a character that does not fit, so only a write that (nearly) filled the
    // buffer can have been cut short: then measure the text.
    if (this.#bytes.length - this.#at - written < 4 && Buffer.byteLength(text) !== written) {
      this.#grow(2 * this.#bytes.length + Buffer.byteLength(text));
      this.#at += this.#bytes.write(text, this.#at);
    } else this.#at += written;
  }
}
