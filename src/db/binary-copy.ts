// PostgreSQL's binary COPY format (COPY … TO STDOUT (FORMAT binary)), read where it lies: where each
// row's fields are in the bytes, without turning them into values. Used by the NDJSON export to send
// records PostgreSQL rendered as they came (src/export/stream.ts). pg-copy-streams-binary would
// decode every field into a JS value (a text field into a string), which is what this avoids.
// The format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"):
//   header: "PGCOPY\n\xff\r\n\0", flags (int32), header extension length (int32) and its bytes;
//   each row: its number of fields (int16), then each field's length (int32; -1 for NULL) and bytes;
//   trailer: -1 as the number of fields.

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** The signature, flags and the header extension's length. */
const HEADER = SIGNATURE.length + 4 + 4;

/** Where a row's fields are: for field f, its bytes are data[at[2f], at[2f+1]) (both -1: NULL). */
export type FieldSpans = Int32Array;

/** Called with each whole row: `data` holds its fields where `at` says, valid only during the call. */
export type CopyRow = (data: Buffer, at: FieldSpans, index: number) => void;

/**
 * Reads a binary COPY stream as its pieces arrive, calling `row` for each whole row in order. A row that is whole in
 * its piece is read where it lies (PostgreSQL sends one CopyData message a row, and pg hands over each message
 * whole: the usual case, nothing copied); a row cut across pieces is gathered first. Throws on anything but rows of
 * `fields` fields, and, at `end`, on a stream cut short.
 */
export class BinaryCopyReader {
  private rows = 0;
  private state: "header" | "rows" | "done" = "header";
  private readonly spans: FieldSpans;
  /** A row (or the header) cut across pieces: its bytes so far. */
  private carry = Buffer.alloc(0);
  private carried = 0;

  constructor(
    private readonly fields: number,
    private readonly row: CopyRow,
  ) {
    this.spans = new Int32Array(fields * 2);
  }

  /** Reads a piece of the stream (a view; not kept past the call). */
  push(piece: Buffer): void {
    if (this.carried === 0) {
      const read = this.read(piece);
      if (read < piece.length) this.keep(piece, read);
      return;
    }
    this.keep(piece, 0);
    const read = this.read(this.carry.subarray(0, this.carried));
    this.carry.copy(this.carry, 0, read, this.carried);
    this.carried -= read;
  }

  /** The stream is over: the number of rows it held. */
  end(): number {
    if (this.state !== "done" || this.carried !== 0) throw new Error("A binary COPY stream cut short");
    return this.rows;
  }

  private keep(piece: Buffer, from: number): void {
    const size = this.carried + piece.length - from;
    if (size > this.carry.length) {
      const larger = Buffer.allocUnsafe(Math.max(size, 2 * this.carry.length, 1024));
      this.carry.copy(larger, 0, 0, this.carried);
      this.carry = larger;
    }
    this.carried += piece.copy(this.carry, this.carried, from);
  }

  /** Reads the whole rows at the start of `data`; returns where the first incomplete one starts. */
  private read(data: Buffer): number {
    let at = 0;
    if (this.state === "header") {
      const seen = Math.min(data.length, SIGNATURE.length);
      if (data.compare(SIGNATURE, 0, seen, 0, seen) !== 0) throw new Error("Not a binary COPY stream");
      if (data.length < HEADER || data.length < HEADER + data.readInt32BE(HEADER - 4)) return 0;
      at = HEADER + data.readInt32BE(HEADER - 4);
      this.state = "rows";
    }
    const { fields, spans } = this;
    while (at < data.length) {
      if (this.state === "done") throw new Error("Bytes after a binary COPY stream's trailer");
      if (at + 2 > data.length) return at;
      const count = data.readInt16BE(at);
      if (count === -1) {
        this.state = "done";
        at += 2;
        continue;
      }
      if (count !== fields) throw new Error(`A binary COPY row of ${count} fields, not ${fields}`);
      let next = at + 2;
      for (let f = 0; f < fields; f++) {
        if (next + 4 > data.length) return at;
        const length = data.readInt32BE(next);
        next += 4;
        if (length === -1) {
          spans[2 * f] = spans[2 * f + 1] = -1;
          continue;
        }
        if (next + length > data.length) return at;
        spans[2 * f] = next;
        spans[2 * f + 1] = next + length;
        next += length;
      }
      this.row(data, spans, this.rows++);
      at = next;
    }
    return at;
  }
}

/**
 * Calls `row` for each row of a whole binary COPY stream (header to trailer) in `data`, in order,
 * with where its fields are (BinaryCopyReader over one piece). Returns the number of rows.
 */
export function readBinaryCopy(data: Buffer, fields: number, row: (at: FieldSpans, index: number) => void): number {
  const reader = new BinaryCopyReader(fields, (_, at, index) => row(at, index));
  reader.push(data);
  return reader.end();
}
