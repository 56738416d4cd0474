// The parts of the three export routes' contracts that are the same: the description of the
// stream and of resuming, and the responses for the API document.

import { CSV_CONTENT_TYPE } from "../lib/csv.js";
import { outOfRangeResponse } from "../lib/instant.js";
import type { ResponseSpec } from "../lib/route.js";
import { NDJSON_CONTENT_TYPE } from "./params.js";
import { TRAILERS } from "./protocol.js";

export const EXPORT_STREAM_DESCRIPTION = [
  "Streams every record of the range at once, in the list's order, with the list's filters; memory on the server " +
    "stays flat whatever the size, and a slow reader slows the export instead of being buffered for.",
  "**NDJSON** (`format=ndjson` or `Accept: application/x-ndjson`): one record per line, exactly as the list serves " +
    "it (or its `shape=aiq`). Lines with an `export` member are not records: after each batch of records " +
    '`{"export":"checkpoint","records":N,"next_cursor":"…"}`, and last ' +
    '`{"export":"end","records":N,"has_more":false,"next_cursor":"…","complete_through":"…"}`. A body without the ' +
    "end line was cut: resume with the last checkpoint's next_cursor (dropping the records received after that " +
    "checkpoint). `has_more: true` (max_records reached): call again with next_cursor now. `has_more: false`: done; " +
    "on the change-time axis next_cursor is the feed's continuation, to poll later.",
  `**CSV** (\`format=csv\` or \`Accept: text/csv\`): RFC 4180 (quoted fields, CRLF), a header row, then rows. The ` +
    `end facts come as HTTP trailers (${Object.values(TRAILERS).join(", ")}). A client that cannot read trailers ` +
    `resumes by time: each row has its id and axis time, so restart from the last complete row's time and drop ids ` +
    `already received.`,
  "**Cursors** are the list's own: an export's next_cursor continues the list with the same filters, and a list's " +
    "next_cursor resumes an export. On the change-time axis the feed's horizon is read once at the start (header " +
    "X-Complete-Through): the export is lossless like the list.",
  "Exports spend the key's heavy rate-limit budget.",
].join("\n\n");

export function exportResponses(examples: { ndjson: string; csv: string }) {
  return {
    200: {
      description:
        "The records, streamed as NDJSON (records, checkpoint lines, an end line) or as CSV (a header row, then rows).",
      contentTypes: [NDJSON_CONTENT_TYPE, CSV_CONTENT_TYPE],
      headers: {
        "X-Complete-Through": {
          description:
            "Change-time axis only: every change before this instant is in this export or after its end cursor.",
        },
        Trailer: { description: `Announces the trailers sent after the body: ${Object.values(TRAILERS).join(", ")}.` },
        [TRAILERS.records]: { description: "Trailer: how many records the body holds." },
        [TRAILERS.hasMore]: {
          description: "Trailer: true when max_records stopped the export before the end of the range.",
        },
        [TRAILERS.nextCursor]: { description: "Trailer: the end line's next_cursor, when there is one." },
      },
      textExamples: { [NDJSON_CONTENT_TYPE]: examples.ndjson, [CSV_CONTENT_TYPE]: examples.csv },
    },
    // 400, 401, 403, 429 and 500 are added by the API document from the contract (src/openapi/problems.ts).
    406: {
      description:
        "`Accept` allows neither application/x-ndjson nor text/csv (with shape=aiq: not application/x-ndjson).",
    },
    422: outOfRangeResponse(),
  } as const satisfies Record<number, ResponseSpec>;
}
