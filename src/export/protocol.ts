// What an export says besides its records, and how a client resumes one.
//
// NDJSON: one record per line (exactly the list's record, or its format=aiq shape), and between
// them control lines, told apart by their `export` member (no record has one; AIQ's visit has a
// `type`, so `type` could not mark them):
//   {"export":"checkpoint","records":4000,"next_cursor":"…"}   after each batch but the last
//   {"export":"end","records":N,"has_more":false,"next_cursor":"…"|null,"complete_through":"…"|null}
// The end line is the last line of a complete export: a body without it was cut (the client went
// away, the connection broke, or the server failed) and is resumed from its last checkpoint (the
// records after that checkpoint are served again, so drop them or dedupe by id).
//   has_more: true  → max_records stopped it; call again at once with next_cursor.
//   has_more: false → the range is done. On the change-time axis, next_cursor (when not null) is the
//                     feed's continuation: poll with it later to get what changed since, losslessly.
//   complete_through: on the change-time axis, every change before this instant was in this export
//                     or comes after its next_cursor (the feed's horizon, read once at the start).
// The cursors are the list's own (same signature, same binding to the filters): an export's
// next_cursor continues the list (GET /v1/transactions etc. with the same filters) and a list's
// next_cursor resumes an export. A backfill can export, then poll the list from the end cursor.
//
// CSV has no room for lines that are not rows: the same facts go in HTTP trailers after the last
// row (X-Records, X-Has-More, X-Next-Cursor; sent with chunked transfer encoding, which HTTP/1.1
// clients read, though many tools ignore them), and X-Complete-Through is a header, known at the
// start. A CSV client that cannot read trailers resumes by time: every row has its id and its
// axis time (updated_at, or transacted_at / created_at), so it restarts with updated_from = the
// last complete row's time and drops the ids it already has. Or it asks for NDJSON.
export interface EndLine {
  export: "end";
  records: number;
  has_more: boolean;
  next_cursor: string | null;
  complete_through: string | null;
}

export const checkpointLine = (records: number, nextCursor: string) =>
  `${JSON.stringify({ export: "checkpoint", records, next_cursor: nextCursor })}\n`;

export const endLine = (end: Omit<EndLine, "export">) =>
  `${JSON.stringify({ export: "end", ...end } satisfies EndLine)}\n`;

export const TRAILERS = { records: "X-Records", hasMore: "X-Has-More", nextCursor: "X-Next-Cursor" } as const;
