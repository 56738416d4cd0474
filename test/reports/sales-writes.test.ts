// The sales report as the POS writes through the API: a sale, a partial refund, a void, a
// replaced receipt. After each write the report equals a direct SQL sum to the cent, and moves by
// exactly the written amounts (no pre-aggregate to fall behind: it reads the receipts themselves).
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "100000" } });
const merchant = await makeMerchant(db);
const store = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write", "reports:read"] });

const line = (overrides: Record<string, unknown> = {}) => ({
  sku: "FL-1", name: "Blue Dream", category: "Flower", unit_price: "12.99", quantity: "3.5", discount: "1.00", tax: "6.66", unit_cost: "4.1234", ...overrides,
});
const put = (posId: string, body: Record<string, unknown>) =>
  request(app).put(`/v1/transactions/${posId}`).set("x-apikey", key).send({ location_id: store.id, transacted_at: "2026-10-05T18:30:00-06:00", ...body });
const totals = async () =>
  (await request(app).get("/v1/reports/sales").query({ from: "2026-10-01", to: "2026-11-01", period: "month", group_by: "category" }).set("x-apikey", key)).body.totals;

/** The same figures straight from the stored receipts. */
async function directSum() {
  const { rows } = await db.pool.query(
    `SELECT (count(*) FILTER (WHERE kind = 'sale'))::int AS receipts,
            round(coalesce(sum(subtotal) FILTER (WHERE kind = 'sale'), 0), 2)::text AS gross_sales,
            round(coalesce(sum(discount_total) FILTER (WHERE kind = 'sale'), 0), 2)::text AS discounts,
            round(coalesce(-sum(subtotal - discount_total) FILTER (WHERE kind = 'refund'), 0), 2)::text AS refunds,
            round(coalesce(sum(subtotal - discount_total), 0), 2)::text AS net_sales,
            round(coalesce(sum(tax_total), 0), 2)::text AS tax,
            round(coalesce(sum(cost_total), 0), 2)::text AS cost
     FROM transactions WHERE merchant_id = $1 AND status = 'completed' AND deleted_at IS NULL
       AND business_date >= '2026-10-01' AND business_date < '2026-11-01'`,
    [merchant.id],
  );
  return rows[0];
}

const figures = (t: Record<string, unknown>) => ({
  receipts: t.receipts, gross_sales: t.gross_sales, discounts: t.discounts, refunds: t.refunds, net_sales: t.net_sales, tax: t.tax, cost: t.cost,
});

describe("GET /v1/reports/sales while the POS writes", () => {
  it("when sales, a refund, a void and a replaced receipt arrive, then after each the totals equal the receipts to the cent", async () => {
    expect((await put("W-1", { lines: [line(), line({ sku: "ED-1", category: "Edibles", unit_price: "18.00", quantity: "2", discount: "0", tax: "5.40", unit_cost: "6.25" })] })).status).toBe(201);
    // 3.5 × 12.99 = 45.465 → 45.47; + 36.00.
    expect(figures(await totals())).toEqual({ ...figures(await directSum()), receipts: 1, gross_sales: "81.47", discounts: "1.00" });

    expect((await put("W-2", { lines: [line({ quantity: "1", discount: "0", tax: "1.95" })] })).status).toBe(201);
    expect(figures(await totals())).toMatchObject({ receipts: 2, gross_sales: "94.46" });

    // A partial refund of W-1's edibles, on Oct 9.
    const refund = await put("W-1-R", {
      original_pos_id: "W-1",
      transacted_at: "2026-10-09T12:00:00-06:00",
      lines: [line({ sku: "ED-1", category: "Edibles", unit_price: "18.00", quantity: "-1", discount: "0", tax: "-2.70", unit_cost: "6.25" })],
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(figures(await totals())).toMatchObject({ ...figures(await directSum()), receipts: 2, refunds: "18.00", net_sales: "75.46" });

    // W-2 is voided: it leaves the report entirely.
    expect((await request(app).post("/v1/transactions/W-2/void").set("x-apikey", key).send({})).status).toBe(200);
    expect(figures(await totals())).toMatchObject({ ...figures(await directSum()), receipts: 1, gross_sales: "81.47", net_sales: "62.47" });

    // W-1 is replaced by the POS (one flower line less): the report follows the new version.
    expect((await put("W-1", { lines: [line({ sku: "ED-1", category: "Edibles", unit_price: "18.00", quantity: "2", discount: "0", tax: "5.40", unit_cost: "6.25" })] })).status).toBe(200);
    expect(figures(await totals())).toEqual({ ...figures(await directSum()), receipts: 1, gross_sales: "36.00", discounts: "0.00", refunds: "18.00", net_sales: "18.00" });
  });
});
