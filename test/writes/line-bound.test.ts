// A receipt's lines are read by a sub-select with a LIMIT (src/transactions/record-sql.ts) that must never leave one
// out: the API takes at most MAX_LINES lines a receipt, and the database holds every writer to 1..MAX_LINES (migration
// 20261205102000_line_number_bound). These tests hold the three together at the edge of the range.
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { rowsBound } from "../../src/lib/stable-plan.js";
import { MAX_LINES } from "../../src/transactions/write-schemas.js";
import { createTestApp } from "../helpers/app.js";
import { as, makeTenant, receiptBody, saleLine } from "./helpers.js";

const { app, db } = await createTestApp();

const recordsOf = (ndjson: string) =>
  ndjson
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((value) => !("export" in value));

describe("a receipt with the most lines the API takes", () => {
  it(prose`
    when a receipt has MAX_LINES lines, then its record carries every one of them in order, in the PUT's answer,
    GET by id, the list, the aiq shape and the export
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    const lines = Array.from({ length: MAX_LINES }, (_, i) => saleLine({ sku: `EDGE-${i + 1}`, quantity: 1 }));
    const put = await client.put("/v1/transactions/EDGE-1", receiptBody(t, { lines }));
    expect(put.status).toBe(201);
    const skus = lines.map((line) => line.sku);
    const skusOf = (record: { line_items: { sku: string; line_number: number }[] }) => {
      expect(record.line_items.map((line) => line.line_number)).toEqual(skus.map((_, i) => i + 1));
      return record.line_items.map((line) => line.sku);
    };
    expect(skusOf(put.body)).toEqual(skus);

    const byId = await client.get(`/v1/transactions/${put.body.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(put.body);

    const list = await client.get("/v1/transactions?limit=10");
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([put.body]);

    const aiq = await client.get("/v1/transactions?limit=10&format=aiq");
    expect(aiq.status).toBe(200);
    const [visit] = aiq.body.data as { visit_details_attributes: { sku: string }[] }[];
    expect(visit?.visit_details_attributes.map((line) => line.sku)).toEqual(skus);

    const exported = await client
      .get("/v1/export/transactions")
      .buffer(true)
      .parse((res, done) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => done(null, text));
      });
    expect(exported.status).toBe(200);
    expect(recordsOf(exported.body as string)).toEqual([put.body]);
  });

  it(prose`
    when a line is written behind the API's back past MAX_LINES (or below 1), then the database refuses it (inserted or
    renumbered), and takes line MAX_LINES: the bound is MAX_LINES, within the LIMIT the record's lines are read with
  `, async () => {
    const t = await makeTenant(db);
    const put = await as(app, t.key).put("/v1/transactions/EDGE-2", receiptBody(t));
    expect(put.status).toBe(201);
    const copyLine = (lineNumber: number) =>
      db.pool.query(
        `INSERT INTO line_items (id, merchant_id, transaction_id, line_number, sku, name, quantity, unit_price,
           discount, tax, line_total)
         SELECT gen_random_uuid(), merchant_id, transaction_id, $2, sku, name, quantity, unit_price, discount, tax,
           line_total
         FROM line_items WHERE transaction_id = $1 AND line_number = 1`,
        [put.body.id, lineNumber],
      );
    const refused = { code: "23514", constraint: "line_items_line_number_range" };
    await expect(copyLine(MAX_LINES + 1)).rejects.toMatchObject(refused);
    await expect(copyLine(0)).rejects.toMatchObject(refused);
    await expect(copyLine(MAX_LINES)).resolves.toMatchObject({ rowCount: 1 });
    await expect(
      db.pool.query(`UPDATE line_items SET line_number = $2 WHERE transaction_id = $1 AND line_number = 1`, [
        put.body.id,
        MAX_LINES + 1,
      ]),
    ).rejects.toMatchObject(refused);
    // The lines are read with a LIMIT at or above the bound (record-sql.ts), so none is ever left out.
    expect(rowsBound(MAX_LINES)).toBeGreaterThanOrEqual(MAX_LINES);
  });
});
