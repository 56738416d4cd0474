// The export engine, shared by the three exports: walk the list's keyset order in batches (one
// indexed query each, the list's own page SQL, no long-lived snapshot or cursor) and write each
// batch as NDJSON or CSV, never holding more than about two batches:
// - backpressure: when res.write says the socket's buffer is full, wait for 'drain' before writing
//   more; the next batch is fetched while the current one is written, and no further one until
//   that write has drained, so a slow client slows the export instead of filling the server's memory
//   (a COPY batch, sent as it arrives, stops being read past HELD_BYTES: ResponseWriter.backlog);
// - lossless: on the change-time axis the feed's horizon is read once, at the start, and the whole
//   export serves below it (see src/lib/sync-feed.ts); its end cursor continues the feed from there;
// - the client going away stops it: no batch starts after that, the statement in flight is
//   cancelled (batch-queries.ts) and the handler returns once its connection is back in the pool.
// What the stream says besides records, and how to resume, is in protocol.ts.
import type { Request, Response } from "express";
import type { Config } from "../config/env.js";
import type { Db } from "../db/client.js";
import { type ListFilters, type Listing, type TimeId, type Walk, walkOf } from "../db/paging.js";
import type { Statement } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import type { Respond } from "../lib/answer.js";
import { CSV_CONTENT_TYPE, type CsvColumn, toCsv } from "../lib/csv.js";
import { decodeCursor, encodeCursor, type Position, timeIdPosition } from "../lib/paging.js";
import { continuationPosition, type FeedBounds, feedBounds } from "../lib/sync-feed.js";
import { countRowsServed, routeTemplateOf } from "../metrics/http.js";
import { exportBytes } from "../metrics/registry.js";
import type { KeptLineMaps } from "../transactions/kept-lines.js";
import { BatchQueries, ExportStopped } from "./batch-queries.js";
import type { exportResponses } from "./contract.js";
import { CopyBatch, SEND_BYTES, type Send } from "./copy-batch.js";
import { BatchBuffers, type EncodedBatch, encodeLines, encodeText } from "./encode.js";
import { type ExportFormat, exportFormat, listFilters, MAX_EXPORT_RECORDS, NDJSON_CONTENT_TYPE } from "./params.js";
import { checkpointLine, endLine, TRAILERS } from "./protocol.js";

/**
 * Records per query. Measured on 200,000 receipts: 2,000 a batch kept the heap growing by ~90 MB
 * between full collections (a batch that large outlives young-generation collections), 250–500
 * keep it within the young generation's size, at most ~15% slower; past 1,000 the list's page plan
 * may also turn to a sequential scan. That young generation was 16 MB a semi-space (8 now), as `npm start` and the
 * Docker image set it (--max-semi-space-size): Node 24's own default lets it grow to 64 MB a semi-space,
 * and the export's server then peaked ~100 MB higher (rows and pg's socket buffers waiting for a collection).
 * The NDJSON passthrough (binary COPY, no rows as objects) was measured on 100,000 records of big too: 1,000 or
 * 2,000 a batch spend 0.2–0.3 s less of PostgreSQL's CPU than 500 (2.6–2.9 s; each COPY is planned) but peak
 * 10–20 MB higher, and Node 24 already peaks near 200 MB with 500 (pg's socket buffers wait longer for a
 * collection when little else is allocated): 500 kept.
 */
export const EXPORT_BATCH = 500;

/** One export: the list's walk (db/paging.ts: its statements, cursors and feed) and its renderings. */
export interface ExportPlan<Raw, Row, CsvRow> {
  walk: Walk<Raw, Row>;
  /** Records per query: large enough that the per-query cost vanishes, small enough to hold two. */
  batchSize: number;
  /** Records in the first query, when not batchSize (it is held whole until it has ended). */
  firstBatchSize?: number;
  /** The record's JSON text (one NDJSON line, without its newline). */
  ndjson(row: Row): string;
  csv: { columns: CsvColumn<CsvRow>[]; rowsOf(row: Row): CsvRow[] };
  /**
   * NDJSON straight from PostgreSQL's bytes, when the statement renders each record's line itself:
   * the batch runs as a binary COPY of the walk's statement (db/sql.ts's pgCopy) and each record's
   * bytes go to the socket as they came, never a JS string; only the position's columns (axis time
   * and id, as `positionOf` reads them) are decoded, for the checkpoints' cursors.
   */
  passthrough?: {
    position: readonly [keyof Raw & string, keyof Raw & string];
    line: keyof Raw & string;
    /** The line holds the kept lines' markers, filled in from `maps` (kept-lines.ts) by the store in `location`. */
    splice?: { location: keyof Raw & string; maps: KeptLineMaps };
  };
}

export interface ExportContext {
  db: Db;
  config: Pick<Config, "CURSOR_SECRET">;
  req: Request;
  res: Response;
}

export interface ExportRequest {
  format: ExportFormat;
  cursor: string | undefined;
  maxRecords: number | undefined;
}

/**
 * Bytes a batch's records may pile up in the response before its COPY is read on (ResponseWriter.backlog): a slow
 * client then holds PostgreSQL's answer back in the connection's socket, not the batch's records in this process.
 */
const HELD_BYTES = 4 * SEND_BYTES;

/** Writes to the response, waiting for 'drain' when its buffer is full; knows when the client has gone. */
class ResponseWriter {
  gone = false;
  /** Body bytes handed to the socket (for export_bytes_total). */
  bytes = 0;
  /** Settles on the response's next 'drain' or the client's going (`wake`); shared by whoever waits meanwhile. */
  private room: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly res: Response,
    onGone: () => void,
  ) {
    const gone = () => {
      // 'close' also follows a complete answer; only a close before the end means the client left.
      if (this.gone || res.writableFinished) return;
      this.gone = true;
      onGone();
      this.wake?.();
    };
    res.on("close", gone);
    res.on("error", gone);
  }

  /** Sets the status and headers; false when an answer already went out (the request timed out first). */
  start(headers: Record<string, string>): boolean {
    if (this.gone || this.res.headersSent || this.res.writableEnded) return false;
    this.res.status(200);
    for (const [name, value] of Object.entries(headers)) this.res.setHeader(name, value);
    return true;
  }

  /**
   * Hands bytes to the socket without waiting for it to take them (a batch's records sent while its COPY runs:
   * copy-batch.ts); `write` then waits for all of them, and `backlog` says when to stop sending. Nothing is
   * written once the client has gone.
   */
  send(bytes: Buffer, written: () => void): void {
    if (this.gone) {
      written();
      return;
    }
    this.bytes += bytes.length;
    this.res.write(bytes, () => written());
  }

  /**
   * Undefined while the response holds at most HELD_BYTES not yet taken by the socket; past that, a promise that
   * settles once it has drained (or the client has gone). The COPY's reading waits for it (db/copy-out.ts).
   */
  backlog(): Promise<void> | undefined {
    // The write that put the response past HELD_BYTES (> the socket's highWaterMark) returned false: 'drain' follows.
    return this.gone || this.res.writableLength <= HELD_BYTES ? undefined : this.drained();
  }

  /**
   * Resolves true once the socket can take more, false if the client went away meanwhile.
   * `written` runs once the socket has taken every byte of the first chunk.
   */
  async write(chunks: (Buffer | string)[], written?: () => void): Promise<boolean> {
    if (this.gone) return false;
    let full = false;
    chunks.forEach((chunk, index) => {
      this.bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
      full = !this.res.write(chunk, index === 0 && written ? () => written() : undefined);
    });
    if (full) await this.drained();
    return !this.gone;
  }

  /** Once the response has drained (after a write that returned false), or the client has gone. */
  private drained(): Promise<void> {
    this.room ??= new Promise<void>((resolve) => {
      const done = () => {
        this.res.off("drain", done);
        this.wake = null;
        this.room = null;
        resolve();
      };
      this.wake = done;
      this.res.on("drain", done);
    });
    return this.room;
  }

  end(trailers: Record<string, string>): void {
    if (this.gone) return;
    this.res.addTrailers(trailers);
    this.res.end();
  }
}

/** CSV text of some rows: the header only in the first chunk (toCsv writes one; later chunks drop it). */
function csvChunk<CsvRow>(columns: CsvColumn<CsvRow>[], rows: CsvRow[], withHeader: boolean): string {
  const text = toCsv(columns, rows);
  // The header row holds no line break (column names), so it ends at the first CRLF.
  return withHeader ? text : text.slice(text.indexOf("\r\n") + 2);
}

function headersFor(name: string, format: ExportFormat, bounds: FeedBounds | null): Record<string, string> {
  return {
    "Content-Type": `${format === "csv" ? CSV_CONTENT_TYPE : NDJSON_CONTENT_TYPE}; charset=utf-8`,
    "Content-Disposition": `attachment; filename="${name}.${format}"`,
    "Cache-Control": "no-store",
    // A proxy (nginx) must pass the stream on as it comes, not buffer it whole.
    "X-Accel-Buffering": "no",
    Trailer: Object.values(TRAILERS).join(", "),
    ...(bounds ? { "X-Complete-Through": bounds.upper } : {}),
  };
}

/**
 * Streams the export and ends the response. Errors before the first byte (a bad cursor, the
 * database down) are thrown, so they become problem details; a failure after it destroys the
 * connection (src/lib/problem.ts), and the missing end line tells the client the body is cut.
 */
export async function streamExport<Raw, Row, CsvRow>(
  ctx: ExportContext,
  plan: ExportPlan<Raw, Row, CsvRow>,
  request: ExportRequest,
): Promise<void> {
  const { walk } = plan;
  const secret = ctx.config.CURSOR_SECRET;
  const cursorFor = (position: Position) => encodeCursor(secret, walk.fingerprint, position);
  let position: TimeId | null = request.cursor
    ? timeIdPosition(decodeCursor(secret, walk.fingerprint, request.cursor))
    : null;
  // Read once, before the first batch's snapshot: every batch serves below it (sync-feed.ts).
  const bounds = walk.updatedTo !== null ? await feedBounds(ctx.db.pool, walk.updatedTo, walk.feed) : null;
  const upper = bounds?.upper ?? null;

  const queries = new BatchQueries(ctx.db.pool);
  const buffers = new BatchBuffers();
  const out = new ResponseWriter(ctx.res, () => queries.stop());
  const passthrough = request.format === "ndjson" ? plan.passthrough : undefined;
  const fetch = (after: TimeId | null, want: number, first: boolean) => {
    // One row more than wanted: whether more follow, without another query.
    const statement = walk.statement({ after, take: want + 1, upper });
    // Records go out while the batch's COPY runs once the answer has started. The next batch is fetched before this
    // one's last bytes are written (below), but its first bytes come in an I/O callback, after those were written.
    const send: Send = (bytes, backing) => {
      if (started) out.send(bytes, () => buffers.give(backing));
      return started;
    };
    const batch = passthrough
      ? copyBatch(queries, buffers, statement, passthrough, want, send, () => (started ? out.backlog() : undefined))
      : queries.run(statement).then((raw) => encodeBatch(plan, request.format, buffers, raw, want, first));
    batch.catch(() => {}); // awaited below; never an unhandled rejection if the export stops first
    return batch;
  };

  let remaining = request.maxRecords ?? MAX_EXPORT_RECORDS;
  let want = Math.min(plan.firstBatchSize ?? plan.batchSize, remaining);
  let started = false;
  let next: Promise<EncodedBatch> | null = fetch(position, want, true);
  let served = 0;
  /** The client went away before the end. */
  let gone = false;
  try {
    while (next) {
      const batch = await next;
      next = null;
      if (batch.last) position = batch.last;
      served += batch.count;
      remaining -= batch.count;
      const goesOn = batch.more && remaining > 0;
      // Fetch the next batch while this one is written: the database and the socket work at once.
      if (goesOn) {
        want = Math.min(plan.batchSize, remaining);
        next = fetch(position, want, false);
      }

      if (!started) {
        if (!out.start(headersFor(walk.feed, request.format, bounds))) return;
        started = true;
      }
      const checkpoint = goesOn && request.format === "ndjson" ? checkpointLine(served, cursorFor(position!)) : "";
      if (!(await out.write(checkpoint ? [batch.bytes, checkpoint] : [batch.bytes], () => buffers.give(batch.backing))))
        break;
      if (goesOn) continue;

      const hasMore = batch.more;
      const nextCursor = hasMore
        ? cursorFor(position!)
        : bounds?.capped
          ? cursorFor(continuationPosition(bounds, position))
          : null;
      if (request.format === "ndjson") {
        if (
          !(await out.write([
            endLine({ records: served, has_more: hasMore, next_cursor: nextCursor, complete_through: upper }),
          ]))
        )
          break;
      }
      out.end({
        [TRAILERS.records]: String(served),
        [TRAILERS.hasMore]: String(hasMore),
        ...(nextCursor ? { [TRAILERS.nextCursor]: nextCursor } : {}),
      });
      return;
    }
    gone = true;
  } catch (error) {
    if (!(error instanceof ExportStopped)) throw error;
    gone = true;
  } finally {
    queries.stop();
    countRowsServed(ctx.res, "export", served);
    if (out.bytes) exportBytes.inc({ route: routeTemplateOf(ctx.res) }, out.bytes);
    // Return only once the statement in flight (cancelled above) has given its connection back.
    await next?.catch(() => {});
    // Said once it is over: nothing of this export holds a connection or runs in PostgreSQL any more.
    if (gone) ctx.req.log?.info({ records: served }, "export stopped: the client went away");
  }
}

/**
 * A batch's rows turned into bytes as soon as they arrive (encode.ts). Why at once: the rows and
 * their text then die young (the cheap part of the garbage collector), and what waits for a slow
 * socket is one reused buffer outside the JS heap. Rows kept until the socket drained lived long
 * enough to reach the old generation, collected late: the heap grew by 100+ MB between collections.
 */
function encodeBatch<Raw, Row, CsvRow>(
  plan: ExportPlan<Raw, Row, CsvRow>,
  format: ExportFormat,
  buffers: BatchBuffers,
  raw: Raw[],
  want: number,
  first: boolean,
): EncodedBatch {
  const rows = plan.walk.rows(raw);
  const more = rows.length > want;
  if (more) rows.length = want;
  const encoded =
    format === "csv"
      ? encodeText(buffers, csvChunk(plan.csv.columns, rows.flatMap(plan.csv.rowsOf), first))
      : encodeLines(buffers, rows.map(plan.ndjson));
  return {
    ...encoded,
    count: rows.length,
    last: rows.length ? plan.walk.positionOf(rows[rows.length - 1]!) : null,
    more,
  };
}

/**
 * A batch as the binary COPY of its statement (BatchQueries.copy), each record written to the batch's NDJSON as it
 * arrives (copy-batch.ts): its bytes as they came, or with the kept lines' markers filled in.
 */
async function copyBatch<Raw>(
  queries: BatchQueries,
  buffers: BatchBuffers,
  statement: Statement<Raw>,
  passthrough: NonNullable<ExportPlan<Raw, unknown, unknown>["passthrough"]>,
  want: number,
  send: Send,
  backlog: () => Promise<void> | undefined,
): Promise<EncodedBatch> {
  const { position, line, splice } = passthrough;
  const batch = new CopyBatch(buffers, want, splice?.maps ?? null, send);
  const columns = splice ? [...position, line, splice.location] : [...position, line];
  await queries.copy(statement, columns, (piece) => {
    batch.push(piece);
    return backlog();
  });
  return batch.end();
}

/** The query parameters every export adds to its list's filters (export/params.ts). */
export interface ExportQuery {
  format?: ExportFormat;
  shape: "standard" | "aiq";
  cursor?: string;
  max_records?: number;
}

/** The list's walk of the export's filters (so the cursors go both ways), each record on one line. */
export const exportWalk = <F extends ListFilters, Raw, R, T extends "transactions" | "customers" | "inventory_items">(
  listing: Listing<F, Raw, R, T>,
  auth: AuthContext,
  query: F & ExportQuery,
  /** View.keptLines: the transactions' records with their kept lines' markers (kept-lines.ts). */
  keptLines?: boolean,
): Walk<Raw, R> =>
  walkOf(listing, tenantOf(auth), listFilters(query as Record<string, unknown>) as F, {
    format: query.shape,
    oneLine: true,
    ...(keptLines ? { keptLines } : {}),
  });

/**
 * The plan of an export whose records Node renders (customers, inventory), over its list's walk:
 * each record's JSON or that of its AIQ shape; in CSV, one row per record.
 */
export const recordExportPlan =
  <F extends ListFilters, Raw, R, T extends "customers" | "inventory_items">(
    listing: Listing<F, Raw, R, T>,
    aiq: (record: R) => unknown,
    columns: CsvColumn<R>[],
  ) =>
  (auth: AuthContext, query: F & ExportQuery): ExportPlan<Raw, R, R> => ({
    walk: exportWalk(listing, auth, query),
    batchSize: EXPORT_BATCH,
    ndjson: query.shape === "aiq" ? (record) => JSON.stringify(aiq(record)) : (record) => JSON.stringify(record),
    csv: { columns, rowsOf: (record) => [record] },
  });

/** The responses every export declares (contract.ts). */
type ExportResponses = ReturnType<typeof exportResponses>;

/** What an export's plan may look at besides the key and the query (the plan of transactions: kept-lines.ts). */
export interface PlanContext {
  format: ExportFormat;
  db: Db;
  config: Pick<Config, "EXPORT_KEPT_LINES_MAX_ROWS">;
}

/** How an export route makes its plan; it may read the database first (before the first byte, still a 4xx/5xx). */
export type PlanOf<Q, Raw, Row, CsvRow> = (
  auth: AuthContext,
  query: Q,
  context: PlanContext,
) => ExportPlan<Raw, Row, CsvRow> | Promise<ExportPlan<Raw, Row, CsvRow>>;

/** An export route's handler: the format chosen (NDJSON or CSV), then the plan made and streamed. */
export const exportHandler =
  <Q extends ExportQuery, Raw, Row, CsvRow>(planOf: PlanOf<Q, Raw, Row, CsvRow>) =>
  async ({
    respond,
    ...ctx
  }: ExportContext & {
    config: PlanContext["config"];
    auth: AuthContext;
    query: Q;
    respond: Respond<ExportResponses>;
  }) => {
    const { auth, query, res } = ctx;
    res.setHeader("Vary", "Accept");
    const format = exportFormat(ctx.req, query.format, query.shape);
    const request = { format, cursor: query.cursor, maxRecords: query.max_records };
    return respond.stream(200, async (out) =>
      streamExport(
        { ...ctx, res: out },
        await planOf(auth, query, { format, db: ctx.db, config: ctx.config }),
        request,
      ),
    );
  };
