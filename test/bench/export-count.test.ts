// The bench counts an export's records in the body's bytes (bench/export.ts RecordCounter): a line that starts
// with the export's own prefix is not a record, wherever the pieces of the body are cut, however short its lines.
import { describe, expect, it } from "vitest";
import { RecordCounter } from "../../bench/export.js";

const records = [
  '{"id":"a","name":"Blue Dream 3.5g \\"Reserve\\" – ünïcödé 🌿"}',
  '{"id":"b"}',
  "{}",
  '{"exported":true}',
  '{"expo":1}',
];
const body = Buffer.from(
  [
    records[0],
    records[1],
    '{"export":"checkpoint","records":2,"next_cursor":"x"}',
    records[2],
    records[3],
    records[4],
    '{"export":"end","records":5,"has_more":false}',
    "",
  ].join("\n"),
);

const count = (pieces: Buffer[]) => {
  const counter = new RecordCounter();
  for (const piece of pieces) counter.push(Buffer.from(piece)); // each piece its own memory, overwritten after
  return { records: counter.records, lines: counter.lines };
};

describe("the bench's export record count", () => {
  it("when the body comes whole, in two pieces cut anywhere or byte by byte, then it counts 5 records, 7 lines", () => {
    expect(count([body])).toEqual({ records: 5, lines: 7 });
    for (let cut = 0; cut <= body.length; cut++)
      expect(count([body.subarray(0, cut), body.subarray(cut)]), `cut at ${cut}`).toEqual({ records: 5, lines: 7 });
    expect(count([...body].map((byte) => Buffer.from([byte])))).toEqual({ records: 5, lines: 7 });
  });

  it("when a piece's memory is reused after the call, then a line's start carried over is unaffected", () => {
    const counter = new RecordCounter();
    const piece = Buffer.from('{"expo');
    counter.push(piece);
    piece.fill(0x20);
    counter.push(Buffer.from('rt":"end"}\n'));
    expect({ records: counter.records, lines: counter.lines }).toEqual({ records: 0, lines: 1 });
  });
});
