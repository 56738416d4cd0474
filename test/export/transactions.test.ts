// GET /v1/export/transactions: NDJSON and CSV, the list's filters and records, the end line and
// resuming (after max_records, after the client went away), cursors shared with the list.
import { parse } from "csv-parse/sync";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { KEPT_LINES_BATCH, KEPT_LINES_FIRST_BATCH } from "../../src/export/transactions.js";
import { prose } from "../../src/lib/prose.js";
import { aiqVisitSchema } from "../../src/transactions/aiq-format.js";
import { transactionRecordSchema } from "../../src/transactions/schemas.js";
import { createTestApp } from "../helpers/app.js";
import {
  lineFor,
  makeCustomer,
  makeEmployee,
  makeKey,
  makeLocation,
  makeMerchant,
  makeProduct,
  makeTransaction,
} from "../helpers/factories.js";
import { seedReceipts } from "./bulk.js";
import { call, listen, parseNdjson, readThenAbort } from "./http.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "1000" } });
const base = await listen(app);
const PATH = "/v1/export/transactions";

async function store(options: { locationName?: string } = {}) {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { name: options.locationName });
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  return { merchant, location, key };
}

const exportOf = async (
  key: string,
  query: Record<string, string | number> = {},
  headers: Record<string, string> = {},
) => {
  const answer = await call(base, PATH, key, query, headers);
  expect(answer.status, answer.text).toBe(200);
  return { ...answer, ...parseNdjson(answer.text) };
};

const csvOf = (text: string) => parse(text, { columns: true, record_delimiter: "\r\n" }) as Record<string, string>[];

describe("GET /v1/export/transactions", () => {
  it(prose`
    when exported as NDJSON, then each record is the list's own, once, in change order, and an end line closes the body
    with the feed's continuation
  `, async () => {
    const { location, key } = await store();
    const made = [];
    // Receipts of several lines: each record is still one line (no line break inside a record).
    for (let i = 0; i < 5; i++)
      made.push(await makeTransaction(db, location, { lines: [{ name: "a" }, { name: "b" }, { name: "c" }] }));

    const answer = await exportOf(key);
    expect(answer.text.split("\n")).toHaveLength(5 + 1 + 1);
    const list = await request(app).get("/v1/transactions").query({ limit: 1000 }).set("x-apikey", key);

    expect(answer.headers["content-type"]).toBe("application/x-ndjson; charset=utf-8");
    expect(answer.records).toEqual(list.body.data);
    expect(answer.records.map((r) => r.id)).toEqual(made.map((t) => t.id));
    for (const record of answer.records) transactionRecordSchema.parse(record);
    expect(answer.lines.at(-1)).toEqual(answer.end);
    expect(answer.end).toEqual({
      export: "end",
      records: 5,
      has_more: false,
      next_cursor: expect.any(String),
      complete_through: expect.any(String),
    });
    expect(answer.headers["x-complete-through"]).toBe(answer.end!.complete_through);
    expect(answer.trailers).toMatchObject({
      "x-records": "5",
      "x-has-more": "false",
      "x-next-cursor": answer.end!.next_cursor,
    });

    // The end cursor is the feed's continuation: polled later, by the export or by the list, it serves what changed
    // since.
    const later = await makeTransaction(db, location);
    const again = await exportOf(key, { cursor: answer.end!.next_cursor! });
    expect(again.records.map((r) => r.id)).toEqual([later.id]);
    const polled = await request(app)
      .get("/v1/transactions")
      .query({ cursor: answer.end!.next_cursor! })
      .set("x-apikey", key);
    expect(polled.body.data.map((r: { id: string }) => r.id)).toEqual([later.id]);
  });

  it(prose`
    when exported as CSV, then a real CSV parser reads it: one row per line item, quotes, commas and line breaks in
    names intact, exact amounts
  `, async () => {
    const { merchant, location, key } = await store({ locationName: 'Denver, "Colfax" store' });
    const customer = await makeCustomer(db, merchant.id, { firstName: 'Zoë "Z"', lastName: "O'Neil,\nJr." });
    const employee = await makeEmployee(db, merchant.id, { firstName: "Sam", lastName: 'Smith, "the" budtender' });
    const product = await makeProduct(db, merchant.id, {
      name: 'Blue Dream, 3.5g "Reserve"\nlimited',
      brand: "Farms\r\nCo",
    });
    const sale = await makeTransaction(db, location, {
      customerId: customer.id,
      employeeId: employee.id,
      lines: [
        lineFor(product, { quantity: "2", unitPrice: "35.00", discount: "5.00", tax: "4.88" }),
        { name: '=HYPERLINK("x")', unitPrice: "10.10" },
      ],
    });
    const other = await makeTransaction(db, location);

    const answer = await call(base, PATH, key, { format: "csv" });

    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(answer.headers["content-disposition"]).toBe('attachment; filename="transactions.csv"');
    expect(answer.text.split("\r\n")[0]).toMatch(/^transaction_id,pos_id,location_id,/);
    const rows = csvOf(answer.text);
    expect(rows.map((r) => [r.transaction_id, r.line_number])).toEqual([
      [sale.id, "1"],
      [sale.id, "2"],
      [other.id, "1"],
    ]);
    const [first, second] = rows;
    expect(first).toMatchObject({
      pos_id: sale.posId,
      location_name: 'Denver, "Colfax" store',
      customer_first_name: 'Zoë "Z"',
      customer_last_name: "O'Neil,\nJr.",
      employee_name: 'Sam Smith, "the" budtender',
      name: 'Blue Dream, 3.5g "Reserve"\nlimited',
      brand: "Farms\r\nCo",
      sku: product.sku,
      unit_price: "35.00",
      quantity: "2.000",
      discount: "5.00",
      tax: "4.88",
      line_total: "69.88",
      receipt_total: sale.total.toFixed(2),
      voided_at: "",
    });
    // A formula in free text is shown, never run, by a spreadsheet.
    expect(second!.name).toBe('\'=HYPERLINK("x")');
    expect(second!.unit_price).toBe("10.10");
    // The end facts, as trailers.
    expect(answer.trailers).toMatchObject({
      "x-records": "2",
      "x-has-more": "false",
      "x-next-cursor": expect.any(String),
    });
  });

  it(prose`
    when a CSV spans many batches, then it has one header row and every line item of every receipt once
  `, async () => {
    const { location, key } = await store();
    await seedReceipts(db.pool, location, 1_200);

    const answer = await call(base, PATH, key, { format: "csv" });

    expect(answer.text.match(/^transaction_id,/gm)).toHaveLength(1);
    const rows = csvOf(answer.text);
    expect(rows).toHaveLength(2_400);
    expect(new Set(rows.map((r) => `${r.transaction_id}/${r.line_number}`)).size).toBe(2_400);
    expect(rows.every((r) => r.line_total === "34.94" && r.receipt_total === "69.88")).toBe(true);
    expect(answer.trailers).toMatchObject({ "x-records": "1200", "x-has-more": "false" });
  });

  it(prose`
    when max_records stops it, then has_more is true and next_cursor continues exactly after the last record, in NDJSON
    and in CSV
  `, async () => {
    const { location, key } = await store();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await makeTransaction(db, location));

    const first = await exportOf(key, { max_records: 2 });
    expect(first.records).toHaveLength(2);
    expect(first.end).toMatchObject({ records: 2, has_more: true, next_cursor: expect.any(String) });
    const second = await call(base, PATH, key, { max_records: 2, format: "csv", cursor: first.end!.next_cursor! });
    expect(second.trailers).toMatchObject({ "x-records": "2", "x-has-more": "true" });
    const third = await exportOf(key, { max_records: 2, cursor: second.trailers["x-next-cursor"]! });
    expect(third.end).toMatchObject({ records: 1, has_more: false });

    const ids = [
      ...first.records.map((r) => r.id),
      ...csvOf(second.text).map((r) => r.transaction_id),
      ...third.records.map((r) => r.id),
    ];
    expect(ids).toEqual(made.map((t) => t.id));
  });

  it(prose`
    when the client goes away mid-export, then resuming from its last checkpoint serves the rest exactly: together every
    record once
  `, async () => {
    const { location, key } = await store();
    const total = KEPT_LINES_FIRST_BATCH + Math.round(2.5 * KEPT_LINES_BATCH);
    await seedReceipts(db.pool, location, total);

    // A first batch, then larger ones: a checkpoint after each; the client leaves in the middle of the third.
    const second = KEPT_LINES_FIRST_BATCH + KEPT_LINES_BATCH;
    const got = parseNdjson(await readThenAbort(base, PATH, key, {}, second + Math.round(0.75 * KEPT_LINES_BATCH)));
    expect(got.end).toBeUndefined();
    expect(got.checkpoints.map((c) => c.records)).toEqual([KEPT_LINES_FIRST_BATCH, second]);
    const last = got.checkpoints.at(-1)!;
    const kept = got.records.slice(0, last.records);
    expect(got.records.length).toBeGreaterThan(last.records);

    // Resumed from the last checkpoint; the records received after it are dropped (they come again).
    const rest = await exportOf(key, { cursor: last.next_cursor! });
    expect(rest.end).toMatchObject({ records: total - second, has_more: false });

    const ids = [...kept, ...rest.records].map((r) => r.id);
    const all = await db.pool.query<{ id: string }>(
      "SELECT id FROM transactions WHERE location_id = $1 ORDER BY updated_at, id",
      [location.id],
    );
    expect(ids).toEqual(all.rows.map((r) => r.id));
    expect(new Set(ids).size).toBe(total);
  });

  it("when the list's next_cursor is sent to the export, then the export continues the list", async () => {
    const { location, key } = await store();
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await makeTransaction(db, location));
    const page = await request(app)
      .get("/v1/transactions")
      .query({ limit: 1, status: "completed" })
      .set("x-apikey", key);

    const rest = await exportOf(key, { status: "completed", cursor: page.body.next_cursor });

    expect([...page.body.data, ...rest.records].map((r) => r.id)).toEqual(made.map((t) => t.id));
    // Bound to the filters, as the list's: with other filters the same cursor is refused.
    const other = await call(base, PATH, key, { cursor: page.body.next_cursor });
    expect(other.status).toBe(400);
    expect(JSON.parse(other.text).errors[0]).toMatchObject({ location: "query.cursor", code: "invalid_cursor" });
  });

  it(prose`
    when walking by business time, then records come by transacted_at, with no feed bound and no continuation
  `, async () => {
    const { location, key } = await store();
    const late = await makeTransaction(db, location, { transactedAt: new Date("2026-03-02T10:00:00Z") });
    const early = await makeTransaction(db, location, { transactedAt: new Date("2026-03-01T10:00:00Z") });
    await makeTransaction(db, location, { transactedAt: new Date("2026-04-01T10:00:00Z") });

    const answer = await exportOf(key, {
      transacted_from: "2026-03-01T00:00:00Z",
      transacted_to: "2026-04-01T00:00:00Z",
    });

    expect(answer.records.map((r) => r.id)).toEqual([early.id, late.id]);
    expect(answer.end).toEqual({
      export: "end",
      records: 2,
      has_more: false,
      next_cursor: null,
      complete_through: null,
    });
    expect(answer.headers["x-complete-through"]).toBeUndefined();
  });

  it("when shape=aiq, then each line is AIQ's createUpdateSale visit", async () => {
    const { location, key } = await store();
    const sale = await makeTransaction(db, location);
    const answer = await exportOf(key, { shape: "aiq" });
    expect(answer.records).toHaveLength(1);
    expect(aiqVisitSchema.parse(answer.records[0])).toMatchObject({ pos_id: sale.posId, id: sale.id });
  });

  it("when filtered by status, customer or location, then only those records come", async () => {
    const { merchant, location, key } = await store();
    const elsewhere = await makeLocation(db, merchant.id);
    const customer = await makeCustomer(db, merchant.id);
    const voided = await makeTransaction(db, location, { voidedAt: new Date() });
    const theirs = await makeTransaction(db, location, { customerId: customer.id });
    const there = await makeTransaction(db, elsewhere);

    expect((await exportOf(key, { status: "voided" })).records.map((r) => r.id)).toEqual([voided.id]);
    expect((await exportOf(key, { customer_id: customer.id })).records.map((r) => r.id)).toEqual([theirs.id]);
    expect((await exportOf(key, { location_id: elsewhere.id })).records.map((r) => r.id)).toEqual([there.id]);
  });

  it(prose`
    when the key is limited to a location, or another merchant's rows exist, then the export holds only what the key may
    see
  `, async () => {
    const { merchant, location, key } = await store();
    const elsewhere = await makeLocation(db, merchant.id);
    const mine = await makeTransaction(db, location);
    await makeTransaction(db, elsewhere);
    const stranger = await store();
    await makeTransaction(db, stranger.location);
    const { key: limited } = await makeKey(db, merchant.id, {
      scopes: ["transactions:read"],
      locationIds: [location.id],
    });

    expect((await exportOf(limited)).records.map((r) => r.id)).toEqual([mine.id]);
    expect((await exportOf(limited, { location_id: elsewhere.id })).records).toEqual([]);
    expect((await exportOf(key)).records).toHaveLength(2);
    const csv = await call(base, PATH, limited, { format: "csv" });
    expect(csvOf(csv.text).map((r) => r.transaction_id)).toEqual([mine.id]);
  });

  it("when nothing matches, then NDJSON is just the end line and CSV just the header", async () => {
    const { key } = await store();
    const answer = await exportOf(key, { status: "voided" });
    expect(answer.lines).toEqual([answer.end]);
    const csv = await call(base, PATH, key, { format: "csv", status: "voided" });
    expect(csv.text).toMatch(/^transaction_id,[^\r\n]*\r\n$/);
  });

  it(prose`
    when Accept asks for CSV, then CSV; when it accepts neither format, then 406; format wins over Accept
  `, async () => {
    const { location, key } = await store();
    await makeTransaction(db, location);
    expect((await call(base, PATH, key, {}, { accept: "text/csv" })).headers["content-type"]).toBe(
      "text/csv; charset=utf-8",
    );
    expect((await call(base, PATH, key, {}, { accept: "*/*" })).headers["content-type"]).toBe(
      "application/x-ndjson; charset=utf-8",
    );
    const refused = await call(base, PATH, key, {}, { accept: "application/json" });
    expect(refused.status).toBe(406);
    expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect((await call(base, PATH, key, { format: "ndjson" }, { accept: "text/csv" })).headers["content-type"]).toBe(
      "application/x-ndjson; charset=utf-8",
    );
    expect((await call(base, PATH, key, { shape: "aiq" }, { accept: "text/csv" })).status).toBe(406);
  });

  it(prose`
    when parameters are wrong, then 400 lists each: unknown ones (limit is the list's), shape=aiq as CSV, a bad
    max_records, two axes
  `, async () => {
    const { key } = await store();
    const res = await call(base, PATH, key, {
      limit: 10,
      format: "csv",
      shape: "aiq",
      max_records: 0,
      updated_from: "2026-01-01T00:00:00Z",
      transacted_from: "2026-01-01T00:00:00Z",
    });
    expect(res.status).toBe(400);
    const locations = JSON.parse(res.text).errors.map((e: { location: string }) => e.location);
    expect(locations).toEqual(
      expect.arrayContaining(["query.limit", "query.shape", "query.max_records", "query.transacted_from"]),
    );
  });
});
