// A page's bytes are built by encoding each record, as its row arrives, straight into one buffer
// (src/transactions/read.ts PageWriter) whose room is guessed from the first record as nearly-ASCII
// text; records longer than it or of multi-byte text must overflow that guess and still come out
// whole, byte for byte what encoding the joined text gives.
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { PageWriter } from "../../src/transactions/read.js";

const expected = (records: string[], rest: object) =>
  Buffer.from(`{"data":[${records.join(",")}],${JSON.stringify(rest).slice(1)}`, "utf8");

const rest = { has_more: true, next_cursor: "c2lnbmVk", complete_through: "2026-03-01T18:30:00.000000Z" };

describe("a page's bytes", () => {
  it.each([
    ["no record", [], 100],
    ["ASCII records", ['{"id":"a","name":"Blue Dream"}', '{"id":"b","name":"OG Kush"}'], 2],
    ["a few accented letters", ['{"name":"Café Crème"}', '{"name":"Jalapeño"}'], 2],
    [
      "records of two- to four-byte characters only",
      ['{"name":"大麻草大麻草大麻草"}', `{"name":"${"🌿".repeat(500)}"}`],
      2,
    ],
    [
      "ASCII, then one record of three-byte characters that runs past the room left",
      [...Array.from({ length: 40 }, (_, i) => `{"n":${i},"s":"${"a".repeat(100)}"}`), `{"s":"${"€".repeat(2000)}"}`],
      41,
    ],
    [
      "a small first record, then longer ones",
      ['{"n":1}', ...Array.from({ length: 30 }, () => `{"s":"${"x".repeat(900)}"}`)],
      31,
    ],
    ["fewer than the page's limit", ['{"id":"a"}', '{"id":"b","name":"Café"}'], 1000],
  ])(prose`when the records are %s, then the page is the UTF-8 of the joined text`, (_name, records, limit) => {
    const page = new PageWriter(limit);
    for (const record of records) page.add(record);
    expect(page.records).toBe(records.length);
    expect(page.finish(rest).equals(expected(records, rest))).toBe(true);
  });
});
