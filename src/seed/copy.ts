// Bulk loading through COPY FROM STDIN (text format) with pg-copy-streams: one round trip per
// table and batch instead of one per row, and stream backpressure so a slow server never makes
// the generator pile rows up in memory. The tables' triggers (updated_at) and constraints stay on.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Row, TableName } from "../db/sql.js";

/** COPY text format's NULL. */
export const NULL = "\\N";

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** A text value escaped for COPY's text format (backslash, tab, newline, carriage return). */
export function text(value: string | null | undefined): string {
  if (value === null || value === undefined) return NULL;
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/** A timestamptz value (UTC, ISO 8601) or NULL. */
export function timestamp(ms: number | null): string {
  return ms === null ? NULL : new Date(ms).toISOString();
}

export function bool(value: boolean): string {
  return value ? "t" : "f";
}

const CHUNK_BYTES = 1 << 20;

/**
 * Rows encoded into ~1 MB buffers as they are added. Each row string dies young (cheap for the
 * garbage collector); keeping thousands of row strings alive until a batch is sent got them
 * promoted and made GC most of the generator's time.
 */
export class RowBuffer {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private offset = 0;
  rows = 0;

  /** `row` is the tab-separated fields, without the newline. */
  add(row: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const room = row.length * 3 + 1;
    if (this.offset + room > this.chunk.length) {
      this.flush();
      if (room > this.chunk.length) this.chunk = Buffer.allocUnsafe(room);
    }
    this.offset += this.chunk.write(row, this.offset, "utf8");
    this.chunk[this.offset++] = 0x0a;
    this.rows++;
  }

  private flush(): void {
    if (this.offset > 0) this.chunks.push(this.chunk.subarray(0, this.offset));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.offset = 0;
  }

  /** The chunks so far, emptying the buffer. */
  take(): Buffer[] {
    this.flush();
    this.rows = 0;
    return this.chunks.splice(0, this.chunks.length);
  }
}

/** A column of `table` (from schema.prisma: a renamed column fails the typecheck where it is copied). */
export type CopyColumn<T extends TableName> = keyof Row<T> & string;

/**
 * COPY `source` (chunks of whole rows, each ending in a newline) into `table`; resolves once the server has
 * taken every row. `source` may be lazy (an async generator): pipeline() only pulls a new chunk
 * when the socket has room.
 */
export async function copyInto<T extends TableName>(
  client: pg.PoolClient,
  table: T,
  columns: readonly CopyColumn<T>[],
  source: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<void> {
  const sql = `COPY ${table} (${columns.map((c) => `"${c}"`).join(", ")}) FROM STDIN`;
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from(source, { objectMode: false }), stream);
}
