// The splicer of the transactions' NDJSON export and large pages (src/transactions/kept-lines.ts): each record comes
// from PostgreSQL with markers where its lines' products and stock go, in a binary COPY stream cut into chunks
// anywhere. Whatever the cut, the NDJSON must be the records with the markers filled in, and a marker out of place
// must never be served.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CopyBatch, SEND_BYTES } from "../../src/export/copy-batch.js";
import { BatchBuffers } from "../../src/export/encode.js";
import { prose } from "../../src/lib/prose.js";
import { type KeptLineMaps, LineNeeds, StoreStock } from "../../src/transactions/kept-lines.js";
import { KeptLinesPage } from "../../src/transactions/read.js";

const STORE = "0199b762-0000-7000-8000-00000000000a";
const OTHER_STORE = "0199b762-0000-7000-8000-00000000000b";
const LINKED = "0199b762-4ca2-70b3-89ef-971658457bc8";
const BY_SKU = "0199b763-bfba-7188-b4d2-4fa8a761f30e";
const NO_STOCK = "0199b763-bfba-7188-b4d2-4fa8a7610000";
/** A SKU a careless reader would cut short or mistake: digits, colons, markers' bytes, multi-byte characters. */
const AWKWARD_SKU = '12:3\u0001u\u0002 "q" \\ ü 🌿 :';

const storeOf = (stock: [string, string][]) => {
  const store = new StoreStock();
  for (const [id, json] of stock) store.set(id, json);
  return store;
};
const maps: KeptLineMaps = {
  productBySku: new Map([
    [AWKWARD_SKU, { id: BY_SKU, json: `"${BY_SKU}"` }],
    ["PLAIN", { id: NO_STOCK, json: `"${NO_STOCK}"` }],
  ]),
  stock: new Map([
    [
      STORE,
      storeOf([
        [LINKED, '"25.000"'],
        [BY_SKU, '"-0.500"'],
      ]),
    ],
    [OTHER_STORE, storeOf([[LINKED, '"1.000"']])],
  ]),
};

/** A line as kept: linked (its product id in the text, the stock's marker naming it) or by SKU (both markers). */
const linked = (n: number, id: string) => line(n, `"${id}"`, `\u0001u${id}`);
const bySku = (n: number, sku: string) => line(n, `\u0001s${Buffer.byteLength(sku)}:${sku}`, "\u0001k");
const line = (n: number, product: string, stock: string) =>
  `{"line_number":${n},"sku":"x","product_id":${product},"name":"a \\u0001 b","stock_on_hand":${stock}}`;

interface Row {
  id: string;
  store: string;
  /** The record as PostgreSQL sends it (markers in place). */
  sent: string;
  /** The record as it must be served. */
  served: string;
}

const rows: Row[] = [
  {
    id: "r1",
    store: STORE,
    sent:
      `{"id":"r1","line_items":[` +
      `${[linked(1, LINKED), bySku(2, AWKWARD_SKU), bySku(3, "PLAIN"), bySku(4, "UNKNOWN")].join(",  ")}],"x":1}`,
    served: `{"id":"r1","line_items":[${[
      line(1, `"${LINKED}"`, '"25.000"'),
      line(2, `"${BY_SKU}"`, '"-0.500"'),
      line(3, `"${NO_STOCK}"`, "null"),
      line(4, "null", "null"),
    ].join(",  ")}],"x":1}`,
  },
  {
    id: "r2",
    store: OTHER_STORE,
    sent: '{"id":"r2","line_items":[],"x":2}',
    served: '{"id":"r2","line_items":[],"x":2}',
  },
  {
    id: "r3",
    store: OTHER_STORE,
    sent: `{"id":"r3","line_items":[${linked(1, LINKED)},  ${bySku(2, AWKWARD_SKU)}]}`,
    served: `{"id":"r3","line_items":[${line(1, `"${LINKED}"`, '"1.000"')},  ${line(2, `"${BY_SKU}"`, "null")}]}`,
  },
  {
    id: "r4",
    store: "0199b762-0000-7000-8000-0000000000ff",
    sent: `{"id":"r4","line_items":[${linked(1, LINKED)}]}`,
    served: `{"id":"r4","line_items":[${line(1, `"${LINKED}"`, "null")}]}`,
  },
];

const int32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
};

/** A binary COPY stream (PostgreSQL's format) of (position time, id, record, store) rows. */
function copyStream(of: { id: string; store: string; sent: string }[]): Buffer {
  const parts: Buffer[] = [Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)];
  for (const row of of) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(4);
    parts.push(count);
    for (const field of ["2026-01-01T00:00:00.000000Z", row.id, row.sent, row.store]) {
      const bytes = Buffer.from(field, "utf8");
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes.length);
      parts.push(length, bytes);
    }
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

/** The NDJSON of a stream handed over in `chunks`, as the export splices it while it arrives. */
function spliced(chunks: Buffer[], want = 100, keptLines: KeptLineMaps | null = maps) {
  const copy = new CopyBatch(new BatchBuffers(), want, keptLines);
  // Each piece is a view valid only during the call (pg's buffer): overwritten after it, as pg would.
  for (const chunk of chunks) {
    const piece = Buffer.from(chunk);
    copy.push(piece);
    piece.fill(0xee);
  }
  const batch = copy.end();
  return { ...batch, text: batch.bytes.toString("utf8") };
}

const expected = `${rows.map((row) => row.served).join("\n")}\n`;

describe("the kept lines' splicer", () => {
  it(prose`
    when the COPY stream is cut into two chunks at every byte, or into chunks of one byte, then the NDJSON is every
    record with its products and stock filled in, whatever the cut
  `, () => {
    const stream = copyStream(rows);
    expect(stream.includes(0x01)).toBe(true);
    for (let cut = 0; cut <= stream.length; cut++) {
      const batch = spliced([stream.subarray(0, cut), stream.subarray(cut)]);
      if (batch.text !== expected) expect({ cut, text: batch.text }).toEqual({ cut, text: expected });
      expect(batch.count).toBe(rows.length);
      expect(batch.last).toEqual(["2026-01-01T00:00:00.000000Z", "r4"]);
    }
    const bytes = Array.from({ length: stream.length }, (_, at) => stream.subarray(at, at + 1));
    expect(spliced(bytes).text).toBe(expected);
    expect([expected.includes("\u0001"), expected.includes("\u0002")]).toEqual([false, false]);
  });

  it(prose`
    when the records come without markers (the export's lines rendered by PostgreSQL), then each one's bytes pass
    through as they came, whatever the cut; a stream cut short fails the batch
  `, () => {
    const plain = rows.slice(1);
    const stream = copyStream(plain).subarray(0);
    // Those rows' COPY without the store: the plain export's three fields.
    const three = Buffer.concat([
      Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"),
      Buffer.alloc(8),
      ...plain.map((row) => {
        const fields = ["2026-01-01T00:00:00.000000Z", row.id, row.served].map((field) => Buffer.from(field, "utf8"));
        const head = Buffer.alloc(2);
        head.writeInt16BE(3);
        return Buffer.concat([head, ...fields.flatMap((bytes) => [int32(bytes.length), bytes])]);
      }),
      Buffer.from([0xff, 0xff]),
    ]);
    const want = `${plain.map((row) => row.served).join("\n")}\n`;
    for (let cut = 0; cut <= three.length; cut++) {
      const batch = spliced([three.subarray(0, cut), three.subarray(cut)], 100, null);
      if (batch.text !== want) expect({ cut, text: batch.text }).toEqual({ cut, text: want });
      expect(batch.last).toEqual(["2026-01-01T00:00:00.000000Z", "r4"]);
    }
    expect(() => spliced([three.subarray(0, three.length - 1)], 100, null)).toThrow(/cut short/);
    expect(() => spliced([stream], 100, null)).toThrow(/4 fields, not 3/);
  });

  it(prose`
    when a batch's NDJSON passes SEND_BYTES while its COPY still arrives, then it is handed to send in whole records
    before the batch ends, and what was sent and what end() keeps are every record once, in order; when send declines
    (the answer has not started), the batch keeps everything
  `, () => {
    const many = Array.from({ length: 3 * Math.ceil(SEND_BYTES / rows[0]!.served.length) }, (_, i) => ({
      ...rows[0]!,
      id: `r${i}`,
    }));
    const stream = copyStream(many);
    const whole = `${many.map((row) => row.served).join("\n")}\n`;
    for (const taken of [true, false]) {
      const sent: string[] = [];
      let pushed = 0;
      const copy = new CopyBatch(new BatchBuffers(), many.length, maps, (bytes) => {
        if (taken) sent.push(`${pushed}:${bytes.toString("utf8")}`);
        return taken;
      });
      // In pieces of 4 KB, as pg hands the COPY over.
      for (pushed = 0; pushed * 4096 < stream.length; pushed++)
        copy.push(stream.subarray(pushed * 4096, (pushed + 1) * 4096));
      const kept = copy.end().bytes.toString("utf8");
      const pieces = sent.map((piece) => piece.slice(piece.indexOf(":") + 1));
      expect(pieces.join("") + kept).toBe(whole);
      if (!taken) {
        expect(sent).toEqual([]);
        continue;
      }
      expect(pieces.length).toBeGreaterThanOrEqual(2);
      for (const [index, piece] of pieces.entries()) {
        expect(Buffer.byteLength(piece)).toBeGreaterThanOrEqual(SEND_BYTES);
        expect(piece.endsWith("}\n")).toBe(true);
        // Sent while the stream was still being pushed, not at its end.
        expect(Number(sent[index]!.slice(0, sent[index]!.indexOf(":")))).toBeLessThan(Math.ceil(stream.length / 4096));
      }
    }
  });

  it("when a batch holds one row more than wanted, then it is left out and said to follow", () => {
    const batch = spliced([copyStream(rows)], 3);
    expect(batch.text).toBe(
      `${rows
        .map((row) => row.served)
        .slice(0, 3)
        .join("\n")}\n`,
    );
    expect(batch).toMatchObject({ count: 3, more: true, last: ["2026-01-01T00:00:00.000000Z", "r3"] });
  });

  it.each([
    ["an unknown marker", `{"a":"b","s":\u0001x${LINKED}}`],
    ["a product id cut short", `{"a":"b","s":\u0001u${LINKED.slice(0, 20)}`],
    ["a SKU without its length", `{"a":\u0001s:abc,"s":\u0001k}`],
    ["a SKU longer than the record", `{"a":\u0001s99:abc,"s":\u0001k}`],
    ["a SKU's product without its stock", `{"a":\u0001s3:abc,"s":1}`],
    ["a SKU's stock without its product", `{"a":"b","s":\u0001k}`],
    ["two SKUs' products in a row", `{"a":\u0001s3:abc,"b":\u0001s3:abc,"s":\u0001k}`],
    ["a linked stock after a SKU's product", `{"a":\u0001s3:abc,"s":\u0001u${LINKED}}`],
  ])("when the kept text holds %s, then the batch fails rather than serve it", (_, sent) => {
    expect(() => spliced([copyStream([{ id: "r", store: STORE, sent }])])).toThrow(/kept lines text/);
  });

  it(prose`
    when a store holds many products, then each one's stock is found by its id's bytes, and no other id finds one
  `, () => {
    const ids = Array.from({ length: 20_000 }, () => randomUUID());
    const store = storeOf(ids.map((id, index) => [id, `"${index}.000"`]));
    const text = Buffer.from(`x${ids.join("")}`, "latin1");
    for (const [index, id] of ids.entries()) {
      expect(store.at(text, 1 + index * 36)).toBe(`"${index}.000"`);
      expect(store.of(id)).toBe(`"${index}.000"`);
    }
    for (let i = 0; i < 2_000; i++) {
      const other = randomUUID();
      expect([store.at(Buffer.from(other, "latin1"), 0), store.of(other)]).toEqual([undefined, undefined]);
    }
  });
});

describe("a large page from the kept lines", () => {
  it(prose`
    when records with markers are added and the page finished with the maps, then it is every record with its products
    and stock filled in and json_agg's line breaks back between its lines, as the pages' SQL renders them
  `, () => {
    const page = new KeptLinesPage(2);
    for (const row of rows) page.add(row.sent, row.store);
    expect(page.records).toBe(rows.length);
    const rest = { has_more: false, next_cursor: null };
    const rendered = rows.map((row) => row.served.replaceAll("},  {", "}, \n {"));
    expect(rendered.join("").split("\n")).toHaveLength(5);
    expect(page.finish(maps, rest).toString("utf8")).toBe(
      `{"data":[${rendered.join(",")}],${JSON.stringify(rest).slice(1)}`,
    );
  });

  it(prose`
    when a record is added, then what its markers name is noted by store (linked products, SKUs of unlinked lines), and
    nothing past the record's end is read, though the page's buffer holds a marker's byte there
  `, () => {
    const needs = new LineNeeds();
    const data = Buffer.from(`${rows[0]!.sent}\u0001u${NO_STOCK}\u0001zz`, "utf8");
    needs.add(data, 0, Buffer.byteLength(rows[0]!.sent), STORE);
    needs.add(Buffer.from(rows[2]!.sent), 0, Buffer.byteLength(rows[2]!.sent), OTHER_STORE);
    expect(needs.linked).toEqual(
      new Map([
        [STORE, new Set([LINKED])],
        [OTHER_STORE, new Set([LINKED])],
      ]),
    );
    expect(needs.bySku).toEqual(
      new Map([
        [STORE, new Set([AWKWARD_SKU, "PLAIN", "UNKNOWN"])],
        [OTHER_STORE, new Set([AWKWARD_SKU])],
      ]),
    );
    expect(() => needs.add(Buffer.from('{"x":"\u0001q"}'), 0, 10, STORE)).toThrow(/out of place/);
    expect(new LineNeeds().empty).toBe(true);
  });
});
