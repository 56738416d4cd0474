// GET /v1/reports/sales: every figure equals a direct SQL sum over the receipts, to the cent, for
// each period and grouping; voids and deletions left out, refunds on their own day; location
// limits; CSV.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { arrangeSales } from "./sales-data.js";

const { app, db } = await createTestApp();
const data = await arrangeSales(db);
const FROM = "2026-10-01";
const TO = "2026-11-08";

const report = (query: Record<string, string>, key = data.key) =>
  request(app)
    .get("/v1/reports/sales")
    .query({ from: FROM, to: TO, ...query })
    .set("x-apikey", key);

const labels = {
  day: "to_char(t.business_date, 'YYYY-MM-DD')",
  week: `to_char(t.business_date, 'IYYY-"W"IW')`,
  month: "to_char(t.business_date, 'YYYY-MM')",
  range: "'whole range'",
} as const;

type Period = keyof typeof labels;

const figureColumns = `
  round(gross - discounts - refunds, 2)::text AS net_sales,
  round(gross - discounts - refunds - cost, 2)::text AS margin,
  CASE WHEN gross - discounts - refunds <> 0 THEN
    round(100 * (gross - discounts - refunds - cost) / (gross - discounts - refunds), 2)::text END AS margin_percent,
  CASE WHEN receipts > 0 THEN round((gross - discounts) / receipts, 2)::text END AS average_basket,
  receipts, round(units, 3)::text AS units, round(gross, 2)::text AS gross_sales,
    round(discounts, 2)::text AS discounts,
  round(refunds, 2)::text AS refunds, round(tax, 2)::text AS tax, round(cost, 2)::text AS cost`;

/**
 * The expected figures by (period, group), from the receipts' own header totals (subtotal,
 * discount_total, tax_total, cost_total): an independent path from the report's line sums.
 */
async function fromReceipts(period: Period, group: "none" | "location" | "employee", locationIds?: string[]) {
  const key =
    group === "location" ? "t.location_id::text" : group === "employee" ? "t.employee_id::text" : "NULL::text";
  const { rows } = await db.pool.query(
    `SELECT period, group_key, ${figureColumns}
     FROM (
       SELECT ${labels[period]} AS period, ${key} AS group_key,
              (count(*) FILTER (WHERE t.kind = 'sale'))::int AS receipts,
              coalesce(sum((SELECT sum(quantity) FROM line_items
                WHERE transaction_id = t.id)) FILTER (WHERE t.kind = 'sale'), 0) AS units,
              coalesce(sum(t.subtotal) FILTER (WHERE t.kind = 'sale'), 0) AS gross,
              coalesce(sum(t.discount_total) FILTER (WHERE t.kind = 'sale'), 0) AS discounts,
              coalesce(-sum(t.subtotal - t.discount_total) FILTER (WHERE t.kind = 'refund'), 0) AS refunds,
              sum(t.tax_total) AS tax,
              coalesce(sum(t.cost_total), 0) AS cost
       FROM transactions t
       WHERE t.merchant_id = $1 AND t.status = 'completed' AND t.deleted_at IS NULL
         AND t.business_date >= $2 AND t.business_date < $3
         AND ($4::uuid[] IS NULL OR t.location_id = ANY($4::uuid[]))
       GROUP BY 1, 2
     ) x`,
    [data.merchant.id, FROM, TO, locationIds ?? null],
  );
  return rows;
}

/** The expected figures by (period, line dimension), from each line's stored line_total − tax (= gross − discount). */
async function fromLines(period: Exclude<Period, "range">, column: "category" | "brand" | "sku") {
  const { rows } = await db.pool.query(
    `SELECT period, group_key, ${figureColumns}
     FROM (
       SELECT ${labels[period]} AS period, li.${column} AS group_key,
              (count(DISTINCT t.id) FILTER (WHERE t.kind = 'sale'))::int AS receipts,
              coalesce(sum(li.quantity) FILTER (WHERE t.kind = 'sale'), 0) AS units,
              coalesce(sum(li.line_total - li.tax + li.discount) FILTER (WHERE t.kind = 'sale'), 0) AS gross,
              coalesce(sum(li.discount) FILTER (WHERE t.kind = 'sale'), 0) AS discounts,
              coalesce(-sum(li.line_total - li.tax) FILTER (WHERE t.kind = 'refund'), 0) AS refunds,
              sum(li.tax) AS tax,
              coalesce(sum(round(li.unit_cost * li.quantity, 4)), 0) AS cost
       FROM line_items li JOIN transactions t ON t.id = li.transaction_id
       WHERE t.merchant_id = $1 AND t.status = 'completed' AND t.deleted_at IS NULL
         AND t.business_date >= $2 AND t.business_date < $3
       GROUP BY 1, 2
     ) x`,
    [data.merchant.id, FROM, TO],
  );
  return rows;
}

const FIGURES = [
  "receipts",
  "units",
  "gross_sales",
  "discounts",
  "refunds",
  "net_sales",
  "tax",
  "cost",
  "margin",
  "margin_percent",
  "average_basket",
];
const pick = (row: Record<string, unknown>) => Object.fromEntries(FIGURES.map((f) => [f, row[f]]));
const ZERO = {
  receipts: 0,
  units: "0.000",
  gross_sales: "0.00",
  discounts: "0.00",
  refunds: "0.00",
  net_sales: "0.00",
  tax: "0.00",
  cost: "0.00",
  margin: "0.00",
  margin_percent: null,
  average_basket: null,
};

/** Every expected (period, group) row is in the report with the same figures, and nothing else but zero rows. */
function expectRowsMatch(reportRows: any[], expected: any[]) {
  const byKey = new Map(reportRows.map((r) => [`${r.period}|${r.group_key}`, r]));
  for (const row of expected) {
    const got = byKey.get(`${row.period}|${row.group_key}`);
    expect(got, `row ${row.period} / ${row.group_key}`).toBeDefined();
    expect(pick(got), `row ${row.period} / ${row.group_key}`).toEqual(pick(row));
    byKey.delete(`${row.period}|${row.group_key}`);
  }
  for (const rest of byKey.values()) expect(pick(rest)).toEqual(ZERO);
}

/** Totals over the whole range, from the receipts' headers. */
async function expectedTotals(locationIds?: string[]) {
  const [totals] = await fromReceipts("range", "none", locationIds);
  return totals;
}

describe("GET /v1/reports/sales", () => {
  for (const period of ["day", "week", "month"] as const) {
    it(prose`
      when grouped by ${period} only, then each period equals the direct SQL sum of its receipts to the cent, and empty
      periods are zeros
    `, async () => {
      const res = await report({ period });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expectRowsMatch(res.body.data, await fromReceipts(period, "none"));
      expect(pick(res.body.totals)).toEqual(pick(await expectedTotals()));
    });
  }

  it("when grouped by day, then every day of the range has a row, in order, clipped to the range", async () => {
    const res = await report({ period: "day" });
    expect(res.body.data).toHaveLength(38);
    expect(res.body.data[0]).toMatchObject({
      period: "2026-10-01",
      period_start: "2026-10-01",
      period_end: "2026-10-02",
    });
    expect(res.body.data.at(-1)).toMatchObject({
      period: "2026-11-07",
      period_start: "2026-11-07",
      period_end: "2026-11-08",
    });
    const weeks = await report({ period: "week" });
    // 2026-10-01 is a Thursday: its ISO week starts on Monday 2026-09-28, reported from the 1st.
    expect(weeks.body.data[0]).toMatchObject({
      period: "2026-W40",
      period_start: "2026-10-01",
      period_end: "2026-10-05",
    });
    expect(weeks.body.data.at(-1)).toMatchObject({
      period: "2026-W45",
      period_start: "2026-11-02",
      period_end: "2026-11-08",
    });
  });

  for (const [group, period] of [
    ["location", "day"],
    ["location", "month"],
    ["employee", "week"],
  ] as const) {
    it(prose`
      when grouped by ${group} per ${period}, then each group equals the direct SQL sum of its receipts to the cent
    `, async () => {
      const res = await report({ period, group_by: group });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expectRowsMatch(res.body.data, await fromReceipts(period, group));
      expect(pick(res.body.totals)).toEqual(pick(await expectedTotals()));
    });
  }

  for (const [group, column, period] of [
    ["category", "category", "month"],
    ["brand", "brand", "day"],
    ["product", "sku", "week"],
  ] as const) {
    it(prose`
      when grouped by ${group} per ${period}, then each group equals the direct SQL sum of its lines to the cent
    `, async () => {
      const res = await report({ period, group_by: group });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expectRowsMatch(res.body.data, await fromLines(period, column));
      // A receipt with lines in two categories counts once in the totals.
      expect(pick(res.body.totals)).toEqual(pick(await expectedTotals()));
    });
  }

  it("when the receipts are known by hand, then the figures are these exact amounts", async () => {
    const res = await report({ period: "month", group_by: "location" });
    const denverOct = res.body.data.find((r: any) => r.period === "2026-10" && r.group_key === data.denver.id);
    // Oct 5: 70.00 + 18.00 (disc 5.00); Oct 5 late: 45.47 (3.5 × 12.99 = 45.465); Oct 15: 18.00; Oct 28: 72.00 (disc
    // 7.20).
    // The voided sale (350.00) and the deleted one (90.00) are not there.
    expect(denverOct).toMatchObject({
      group_name: "Denver, Colfax",
      receipts: 4,
      units: "11.500",
      gross_sales: "223.47",
      discounts: "12.20",
      refunds: "0.00",
      net_sales: "211.27",
      tax: "26.82",
      // 25.00 + 6.25 + 14.4319 + 0 (unknown) + 25.00 = 70.6819
      cost: "70.68",
      margin: "140.59",
      lines_without_cost: 1,
    });
    // The refund of Nov 2 counts in November (its own day), not in October with its sale.
    const denverNov = res.body.data.find((r: any) => r.period === "2026-11" && r.group_key === data.denver.id);
    expect(denverNov).toMatchObject({
      receipts: 1,
      gross_sales: "30.00",
      refunds: "16.20",
      net_sales: "13.80",
      tax: "1.62",
      cost: "2.75",
    });
  });

  it("when a sale is late in the local evening, then it counts on the local day, not the UTC one", async () => {
    const res = await report({ period: "day", group_by: "location" });
    const oct5 = res.body.data.find((r: any) => r.period === "2026-10-05" && r.group_key === data.denver.id);
    const oct6 = res.body.data.find((r: any) => r.period === "2026-10-06" && r.group_key === data.denver.id);
    expect(oct5.receipts).toBe(2);
    expect(oct6).toBeUndefined();
  });

  it("when the rows each hold a part of the lines, then their cent figures add up exactly to the totals", async () => {
    for (const group_by of ["location", "category", "product"]) {
      const res = await report({ period: "week", group_by });
      for (const figure of ["gross_sales", "discounts", "refunds", "net_sales", "tax"]) {
        const cents = res.body.data.reduce((sum: bigint, r: any) => sum + BigInt(r[figure].replace(".", "")), 0n);
        expect(cents, `${group_by} ${figure}`).toBe(BigInt(res.body.totals[figure].replace(".", "")));
      }
    }
  });

  it(prose`
    when the key is limited to one location, then only that location's receipts count; location_id narrows further
  `, async () => {
    const limited = await report({ period: "month" }, data.denverKey);
    expect(limited.status).toBe(200);
    expectRowsMatch(limited.body.data, await fromReceipts("month", "none", [data.denver.id]));
    expect(pick(limited.body.totals)).toEqual(pick(await expectedTotals([data.denver.id])));

    const narrowed = await report({ period: "month", location_id: data.brooklyn.id });
    expect(pick(narrowed.body.totals)).toEqual(pick(await expectedTotals([data.brooklyn.id])));

    // Outside the key's locations, or another merchant's: nothing to report.
    for (const [key, location] of [
      [data.denverKey, data.brooklyn.id],
      [data.key, data.otherStore.id],
    ] as const) {
      const none = await report({ period: "month", location_id: location }, key);
      expect(none.status).toBe(200);
      expect(pick(none.body.totals)).toEqual({ ...ZERO });
    }
  });

  it("when asked with Accept: text/csv or format=csv, then the rows come as a quoted CSV download", async () => {
    const res = await report({ period: "month", group_by: "product" }).set("Accept", "text/csv");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toMatch(
      /^attachment; filename="?sales_2026-10-01_2026-11-08_month_by_product\.csv"?$/,
    );
    const lines = res.text.split("\r\n");
    expect(lines[0]).toBe(
      "period,period_start,period_end,group_key,group_name,receipts,units,gross_sales,discounts,refunds,net_sales," +
        "tax,cost,margin,margin_percent,average_basket,lines_without_cost",
    );
    // A name with a comma and quotes is quoted, quotes doubled; a formula-like name is neutralised.
    expect(res.text).toContain('ED-1,"Gummies ""Sour"", 10 pack",');
    expect(res.text).toContain(",PR-1,'=1+2 Pre-roll,");
    const json = await report({ period: "month", group_by: "product" });
    expect(lines.filter(Boolean)).toHaveLength(1 + json.body.data.length);

    const byFormat = await report({ period: "month", group_by: "category", format: "csv" });
    expect(byFormat.headers["content-type"]).toMatch(/^text\/csv/);
    // A value with a line break stays one quoted field.
    expect(byFormat.text).toContain('"Pre-Rolls\nInfused","Pre-Rolls\nInfused"');
    const brands = await report({ period: "month", group_by: "brand", format: "csv" });
    expect(brands.text).toContain(',"Kiva, Inc.","Kiva, Inc.",');
  });

  it(prose`
    when Accept allows neither JSON nor CSV, then 406; when format=json, then JSON whatever Accept says
  `, async () => {
    const refused = await report({ period: "month" }).set("Accept", "text/html");
    expect(refused.status).toBe(406);
    expect(refused.headers["content-type"]).toMatch(/problem\+json/);
    const json = await report({ period: "month", format: "json" }).set("Accept", "text/csv");
    expect(json.headers["content-type"]).toMatch(/^application\/json/);
  });

  it("when the query is wrong, then 400 naming every issue", async () => {
    const res = await request(app)
      .get("/v1/reports/sales")
      .query({ from: "2026-10-10", to: "2026-10-01", group_by: "colour", perod: "day" })
      .set("x-apikey", data.key);
    expect(res.status).toBe(400);
    const locations = res.body.errors.map((e: any) => e.location).sort();
    expect(locations).toEqual(["query.group_by", "query.perod"]);

    const backwards = await report({ from: "2026-10-10", to: "2026-10-01" });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].location).toBe("query.to");
    const tooLong = await report({ from: "2025-01-01", to: "2026-03-01" });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].message).toMatch(/at most 400/);
    const notADay = await report({ from: "2026-02-30" });
    expect(notADay.status).toBe(400);
    const missing = await request(app).get("/v1/reports/sales").set("x-apikey", data.key);
    expect(missing.body.errors.map((e: any) => e.location).sort()).toEqual(["query.from", "query.to"]);
  });

  it("when there is no key, then 401; when the key lacks reports:read, then 403", async () => {
    expect((await request(app).get("/v1/reports/sales").query({ from: FROM, to: TO })).status).toBe(401);
    const res = await report({}, data.noReportsKey);
    expect(res.status).toBe(403);
    expect(res.body.required_scope).toBe("reports:read");
  });
});
