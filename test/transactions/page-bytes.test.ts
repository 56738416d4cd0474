// A page's bytes are built by encoding each record straight into one buffer sized for nearly-ASCII
// text (src/transactions/read.ts pageBytes); records of multi-byte text must overflow that guess and
// still come out whole, byte for byte what encoding the joined text gives.
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { pageBytes } from "../../src/transactions/read.js";

const expected = (records: string[], rest: object) =>
  Buffer.from(`{"data":[${records.join(",")}],${JSON.stringify(rest).slice(1)}`, "utf8");

const rest = { has_more: true, next_cursor: "c2lnbmVk", complete_through: "2026-03-01T18:30:00.000000Z" };

describe("a page's bytes", () => {
  it.each([
    ["no record", []],
    ["ASCII records", ['{"id":"a","name":"Blue Dream"}', '{"id":"b","name":"OG Kush"}']],
    ["a few accented letters", ['{"name":"Café Crème"}', '{"name":"Jalapeño"}']],
    [
      "records of two- to four-byte characters only",
      ['{"name":"大麻草大麻草大麻草"}', `{"name":"${"🌿".repeat(500)}"}`],
    ],
    [
      "ASCII, then one record of three-byte characters that runs past the room left",
      [...Array.from({ length: 40 }, (_, i) => `{"n":${i},"s":"${"a".repeat(100)}"}`), `{"s":"${"€".repeat(2000)}"}`],
    ],
  ])(prose`when the records are %s, then the page is the UTF-8 of the joined text`, (_name, records) => {
    expect(pageBytes(records, rest).equals(expected(records, rest))).toBe(true);
  });
});
