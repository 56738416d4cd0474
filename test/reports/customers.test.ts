// GET /v1/reports/customers: new vs returning customers per period, top customers by spend, the
// share of sales with a known customer; consistent with the sales report and with direct SQL.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import {
  lineFor,
  makeCustomer,
  makeKey,
  makeLocation,
  makeMerchant,
  makeProduct,
  makeTransaction,
} from "../helpers/factories.js";

const { app, db } = await createTestApp();

const merchant = await makeMerchant(db);
const denver = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
const boulder = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
const product = await makeProduct(db, merchant.id);
const regular = await makeCustomer(db, merchant.id, { firstName: "Rae", lastName: "Regular" });
const newcomer = await makeCustomer(db, merchant.id, { firstName: "Nia", lastName: "New" });
const boulderOnly = await makeCustomer(db, merchant.id, { firstName: "Bo", lastName: "Boulder" });
const { key } = await makeKey(db, merchant.id, { scopes: ["reports:read"] });
const { key: denverOnlyKey } = await makeKey(db, merchant.id, { scopes: ["reports:read"], locationIds: [denver.id] });

const buy = (
  location: typeof denver,
  iso: string,
  customerId: string | null,
  price: string,
  extra: Parameters<typeof makeTransaction>[2] = {},
) =>
  makeTransaction(db, location, {
    customerId,
    transactedAt: new Date(iso),
    lines: [lineFor(product, { unitPrice: price, quantity: "1", unitCost: "5.0000" })],
    ...extra,
  });

// The regular first bought in September, then twice in October, and returned part of it.
await buy(denver, "2026-09-10T18:00:00Z", regular.id, "20.00");
const regularSale = await buy(denver, "2026-10-03T18:00:00Z", regular.id, "50.00");
await buy(denver, "2026-10-20T18:00:00Z", regular.id, "30.00");
await buy(denver, "2026-10-21T18:00:00Z", regular.id, "50.00", { refundOf: regularSale });
// The newcomer's first purchase ever is on Oct 14 (a voided attempt on Oct 2 does not count).
await buy(denver, "2026-10-02T18:00:00Z", newcomer.id, "99.00", { voidedAt: new Date("2026-10-02T18:01:00Z") });
await buy(denver, "2026-10-14T18:00:00Z", newcomer.id, "120.00");
// Only ever at Boulder, first on Oct 27.
await buy(boulder, "2026-10-27T18:00:00Z", boulderOnly.id, "15.00");
// Anonymous sales: not attributable.
await buy(denver, "2026-10-05T18:00:00Z", null, "40.00");
await buy(boulder, "2026-10-28T18:00:00Z", null, "10.00");

const report = (query: Record<string, string | number>, apiKey = key) =>
  request(app)
    .get("/v1/reports/customers")
    .query({ from: "2026-10-01", to: "2026-11-01", ...query })
    .set("x-apikey", apiKey);

describe("GET /v1/reports/customers", () => {
  it(prose`
    when a month is asked, then new and returning customers, receipts and the known-customer share are these
  `, async () => {
    const res = await report({ period: "month" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Receipts: regular 2, newcomer 1, boulderOnly 1, anonymous 2 = 6 sales (the refund and the void are not sales).
    // Net: 50 + 30 − 50 + 120 + 15 + 40 + 10 = 215.00; known: 50 + 30 − 50 + 120 + 15 = 165.00.
    const expected = {
      customers: 3,
      new_customers: 2,
      returning_customers: 1,
      receipts: 6,
      known_customer_receipts: 4,
      known_customer_receipt_share: "66.67",
      net_sales: "215.00",
      known_customer_net_sales: "165.00",
      known_customer_sales_share: "76.74",
    };
    expect(res.body.totals).toEqual(expected);
    expect(res.body.data).toEqual([
      { period: "2026-10", period_start: "2026-10-01", period_end: "2026-11-01", ...expected },
    ]);
  });

  it("when asked per week, then each customer is new only in the week of their first purchase", async () => {
    const res = await report({ period: "week" });
    const week = (label: string) => res.body.data.find((r: any) => r.period === label);
    // regular, Oct 3
    expect(week("2026-W40")).toMatchObject({ customers: 1, new_customers: 0, returning_customers: 1 });
    expect(week("2026-W42")).toMatchObject({ customers: 1, new_customers: 1 }); // newcomer, Oct 14
    // regular 30, refund −50
    expect(week("2026-W43")).toMatchObject({ customers: 1, new_customers: 0, receipts: 1, net_sales: "-20.00" });
    expect(week("2026-W44")).toMatchObject({ customers: 1, new_customers: 1, receipts: 2, known_customer_receipts: 1 });
    // Every week of the range is there, in order; their new customers add up to the month's.
    expect(res.body.data.map((r: any) => r.period)).toEqual([
      "2026-W40",
      "2026-W41",
      "2026-W42",
      "2026-W43",
      "2026-W44",
    ]);
    expect(res.body.data.reduce((n: number, r: any) => n + r.new_customers, 0)).toBe(res.body.totals.new_customers);
  });

  it("when compared with the sales report and direct SQL, then net sales agree to the cent", async () => {
    const customers = await report({ period: "week" });
    const sales = await request(app)
      .get("/v1/reports/sales")
      .query({ from: "2026-10-01", to: "2026-11-01", period: "week" })
      .set("x-apikey", key);
    expect(customers.body.totals.net_sales).toBe(sales.body.totals.net_sales);
    for (const [i, row] of customers.body.data.entries()) expect(row.net_sales).toBe(sales.body.data[i].net_sales);
    const { rows } = await db.pool.query(
      `SELECT round(sum(subtotal - discount_total), 2)::text AS net,
              round(sum(subtotal - discount_total) FILTER (WHERE customer_id IS NOT NULL), 2)::text AS known
       FROM transactions WHERE merchant_id = $1 AND status = 'completed' AND deleted_at IS NULL
         AND business_date >= '2026-10-01' AND business_date < '2026-11-01'`,
      [merchant.id],
    );
    expect(customers.body.totals.net_sales).toBe(rows[0].net);
    expect(customers.body.totals.known_customer_net_sales).toBe(rows[0].known);
  });

  it(prose`
    when listing top customers, then by net sales in the range, largest first, with their first purchase
  `, async () => {
    const res = await report({ period: "month", top: 2 });
    expect(res.body.top_customers).toEqual([
      {
        rank: 1,
        customer_id: newcomer.id,
        pos_user: newcomer.posUser,
        first_name: "Nia",
        last_name: "New",
        receipts: 1,
        net_sales: "120.00",
        first_purchase_date: "2026-10-14",
      },
      {
        rank: 2,
        customer_id: regular.id,
        pos_user: regular.posUser,
        first_name: "Rae",
        last_name: "Regular",
        receipts: 2,
        net_sales: "30.00",
        first_purchase_date: "2026-09-10",
      },
    ]);
  });

  it("when the key is limited to Denver, then Boulder's sales and customers are not counted", async () => {
    const res = await report({ period: "month" }, denverOnlyKey);
    expect(res.body.totals).toMatchObject({ customers: 2, new_customers: 1, receipts: 4, net_sales: "190.00" });
    expect(res.body.top_customers.map((c: any) => c.customer_id)).not.toContain(boulderOnly.id);
    const other = await report({ period: "month", location_id: boulder.id }, denverOnlyKey);
    expect(other.body.totals).toMatchObject({
      customers: 0,
      receipts: 0,
      net_sales: "0.00",
      known_customer_sales_share: null,
    });
    expect(other.body.top_customers).toEqual([]);
  });

  it("when asked for CSV, then the periods, or the top customers with table=top_customers", async () => {
    const periods = await report({ period: "week", format: "csv" });
    expect(periods.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(periods.headers["content-disposition"]).toMatch(/filename="?customers_2026-10-01_2026-11-01_week\.csv"?$/);
    expect(periods.text.split("\r\n")[0]).toBe(
      "period,period_start,period_end,customers,new_customers,returning_customers,receipts,known_customer_receipts," +
        "known_customer_receipt_share,net_sales,known_customer_net_sales,known_customer_sales_share",
    );
    expect(periods.text.split("\r\n").filter(Boolean)).toHaveLength(6);
    const top = await report({ period: "month", table: "top_customers" }).set("Accept", "text/csv");
    expect(top.text.split("\r\n")[1]).toBe(`1,${newcomer.id},${newcomer.posUser},Nia,New,1,120.00,2026-10-14`);
  });

  it("when the query is wrong, then 400 naming each issue", async () => {
    const res = await report({ top: 0, table: "people", colour: "red" });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.location).sort()).toEqual(["query.colour", "query.table", "query.top"]);
  });
});
