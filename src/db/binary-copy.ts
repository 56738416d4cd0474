// PostgreSQL's binary COPY format (COPY … TO STDOUT (FORMAT binary)), read where it lies: where each
// row's fields are in the bytes, without turning them into values. Used by the NDJSON export to send
// records PostgreSQL rendered as they came (src/export/stream.ts). pg-copy-streams-binary would
// decode every field into a JS value (a text field into a string), which is what this avoids.
// The format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"):
//   header: "PGCOPY\n\xff\r\n\0", flags (int32), header extension length (int32) and its bytes;
//   each row: its number of fields (int16), then each field's length (int32; -1 for NULL) and bytes;
//   trailer: -1 as the number of fields.

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/** Where a row's fields are: for field f, its bytes are data[at[2f], at[2f+1]) (both -1: NULL). */
export type FieldSpans = Int32Array;

/**
 * Calls `row` for each row of a whole binary COPY stream (header to trailer) in `data`, in order,
 * with where its fields are. The spans are reused from row to row (read them before the next call);
 * `row` may overwrite the bytes before its fields' start (the export moves records forward in place).
 * Returns the number of rows. Throws on anything but a complete stream of rows of `fields` fields.
 */
export function readBinaryCopy(data: Buffer, fields: number, row: (at: FieldSpans, index: number) => void): number {
  if (data.length < 19 || !data.subarray(0, SIGNATURE.length).equals(SIGNATURE))
    throw new Error("Not a binary COPY stream");
  let at = 15 + 4 + data.readInt32BE(15);
  const spans = new Int32Array(fields * 2);
  let rows = 0;
  for (;;) {
    if (at + 2 > data.length) throw new Error("A binary COPY stream cut short");
    const count = data.readInt16BE(at);
    at += 2;
    if (count === -1) break;
    if (count !== fields) throw new Error(`A binary COPY row of ${count} fields, not ${fields}`);
    for (let f = 0; f < fields; f++) {
      if (at + 4 > data.length) throw new Error("A binary COPY stream cut short");
      const length = data.readInt32BE(at);
      at += 4;
      if (length === -1) {
        spans[2 * f] = spans[2 * f + 1] = -1;
        continue;
      }
      if (at + length > data.length) throw new Error("A binary COPY stream cut short");
      spans[2 * f] = at;
      spans[2 * f + 1] = at + length;
      at += length;
    }
    row(spans, rows++);
  }
  if (at !== data.length) throw new Error("Bytes after a binary COPY stream's trailer");
  return rows;
}
