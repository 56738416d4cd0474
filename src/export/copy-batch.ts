// A batch of the NDJSON export read from the binary COPY of its statement as it arrives (db/binary-copy.ts), each
// record written to the batch's NDJSON at once: its bytes as PostgreSQL rendered them, or, from the kept lines, with
// their markers filled in (kept-lines.ts). Why as it arrives, not gathered whole first: Node's work on a batch then
// overlaps PostgreSQL's on the same batch (two cores for one export), and no copy of the whole COPY is held besides
// the NDJSON, so a batch can be large (each COPY is planned: ~4 ms of PostgreSQL's time a batch on big, whatever its
// size). Only the positions (ASCII time and id) and the store of a record whose store changed become strings.
import { BinaryCopyReader } from "../db/binary-copy.js";
import { GrowingOutput, type KeptLineMaps, type StoreStock, spliceRecord } from "../transactions/kept-lines.js";
import type { BatchBuffers, EncodedBatch } from "./encode.js";

/** ASCII bytes kept from row to row (a position, a store id), decoded only when needed. */
class KeptBytes {
  private bytes = Buffer.alloc(64);
  length = -1;

  set(data: Buffer, start: number, end: number): void {
    if (end - start > this.bytes.length) this.bytes = Buffer.alloc(2 * (end - start));
    this.length = data.copy(this.bytes, 0, start, end);
  }

  equals(data: Buffer, start: number, end: number): boolean {
    return this.length === end - start && data.compare(this.bytes, 0, this.length, start, end) === 0;
  }

  text(): string {
    return this.bytes.toString("latin1", 0, this.length);
  }
}

/**
 * Where a batch's NDJSON goes before the batch ends, once it holds SEND_BYTES: true when `bytes` were taken (give
 * `backing` back once written); false to keep them in the batch (nothing may be written yet: the first batch's errors
 * must still become problem details).
 */
export type Send = (bytes: Buffer, backing: Buffer) => boolean;

/**
 * How much NDJSON a batch holds before handing it to `send`: the socket gets the records while PostgreSQL renders the
 * rest of the batch, and a batch's bytes are held in buffers of this size, not one of the whole batch.
 */
export const SEND_BYTES = 256 * 1024;

/**
 * One batch: rows of (position time, id, record), or (position time, id, record with kept lines' markers, store)
 * when `maps` are given. Rows past `want` are left out (the statement asks for one more, to know whether more follow).
 * `push` each piece of the COPY, then `end`.
 */
export class CopyBatch {
  private readonly reader: BinaryCopyReader;
  private out: GrowingOutput;
  private readonly time = new KeptBytes();
  private readonly id = new KeptBytes();
  private readonly storeId = new KeptBytes();
  private store: StoreStock | undefined;

  constructor(
    private readonly buffers: BatchBuffers,
    private readonly want: number,
    private readonly maps: KeptLineMaps | null,
    private readonly send: Send | null = null,
  ) {
    // Room for the records sent at a time; the first batch (held whole) and a record longer than that grow it.
    this.out = new GrowingOutput(buffers, buffers.take(2 * SEND_BYTES));
    this.reader = new BinaryCopyReader(maps ? 4 : 3, (data, spans, index) => {
      if (index >= this.want) return;
      if (spans.includes(-1)) throw new Error("An exported row with a NULL position, line or store");
      this.time.set(data, spans[0]!, spans[1]!);
      this.id.set(data, spans[2]!, spans[3]!);
      if (this.maps) this.splice(this.maps, data, spans);
      else this.copy(data, spans[4]!, spans[5]!);
      if (
        this.send &&
        this.out.at >= SEND_BYTES &&
        this.send(this.out.backing.subarray(0, this.out.at), this.out.backing)
      )
        this.out = new GrowingOutput(this.buffers, this.buffers.take(2 * SEND_BYTES));
    });
  }

  push(piece: Buffer): void {
    this.reader.push(piece);
  }

  /** The batch's NDJSON not yet sent, once its COPY has ended (throws if the stream was cut short). */
  end(): EncodedBatch {
    const rows = this.reader.end();
    const count = Math.min(rows, this.want);
    return {
      bytes: this.out.backing.subarray(0, this.out.at),
      backing: this.out.backing,
      count,
      last: count ? [this.time.text(), this.id.text()] : null,
      more: rows > this.want,
    };
  }

  private copy(data: Buffer, start: number, end: number): void {
    const { out } = this;
    out.room(end - start + 1);
    out.at += data.copy(out.backing, out.at, start, end);
    out.backing[out.at++] = 0x0a;
  }

  private splice(maps: KeptLineMaps, data: Buffer, spans: Int32Array): void {
    // The store's stock, looked up again only when the store changes from the record before (no string a record).
    if (!this.storeId.equals(data, spans[6]!, spans[7]!)) {
      this.store = maps.stock.get(data.toString("latin1", spans[6], spans[7]));
      this.storeId.set(data, spans[6]!, spans[7]!);
    }
    spliceRecord(maps, data, spans[4]!, spans[5]!, this.store, this.out, "ndjson");
  }
}
