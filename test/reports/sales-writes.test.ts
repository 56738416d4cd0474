// The sales report as the POS writes through the API: sales, a partial refund, a void, a replaced
// receipt, a receipt moved to another day and store, a batch, and changes made straight in the
// database. The report reads daily rollups (sales_daily, sales_daily_lines) that writes mark
// stale; after every write, every grouping must still equal a direct SQL sum over the receipts'
// own lines, to the cent.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "100000" } });
const merchant = await makeMerchant(db);
const store = await makeLocation(db, merchant.id, { name: "Denver", timeZone: "America/Denver" });
const other = await makeLocation(db, merchant.id, { name: "Brooklyn", timeZone: "America/New_York" });
const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write", "reports:read"] });

const line = (overrides: Record<string, unknown> = {}) => ({
  sku: "FL-1",
  name: "Blue Dream",
  category: "Flower",
  brand: "Good Farms",
  unit_price: "12.99",
  quantity: "3.5",
  discount: "1.00",
  tax: "6.66",
  unit_cost: "4.1234",
  ...overrides,
});
const edibles = (overrides: Record<string, unknown> = {}) =>
  line({
    sku: "ED-1",
    name: "Gummies",
    category: "Edibles",
    brand: "Kiva",
    unit_price: "18.00",
    quantity: "2",
    discount: "0",
    tax: "5.40",
    unit_cost: "6.25",
    ...overrides,
  });
const ana = { pos_id: "E-ANA", first_name: "Ana", last_name: "Ruiz" };
const put = (posId: string, body: Record<string, unknown>) =>
  request(app)
    .put(`/v1/transactions/${posId}`)
    .set("x-apikey", key)
    .send({ location_id: store.id, transacted_at: "2026-10-05T18:30:00-06:00", ...body });

const report = async (query: Record<string, string>) => {
  const res = await request(app)
    .get("/v1/reports/sales")
    .query({ from: "2026-10-01", to: "2026-11-01", ...query })
    .set("x-apikey", key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const totals = async () => (await report({ period: "month", group_by: "category" })).totals;

/** The receipt-level totals straight from the stored receipts' own totals. */
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
  receipts: t.receipts,
  gross_sales: t.gross_sales,
  discounts: t.discounts,
  refunds: t.refunds,
  net_sales: t.net_sales,
  tax: t.tax,
  cost: t.cost,
});

const GROUP_KEYS = {
  none: "NULL::text",
  location: "t.location_id::text",
  employee: "t.employee_id::text",
  category: "li.category",
  brand: "li.brand",
  product: "li.sku",
} as const;
type Grouping = keyof typeof GROUP_KEYS;

/** The report's figures summed straight from receipts `t` and their lines `li`. */
const DIRECT_FIGURES = `
  (count(DISTINCT t.id) FILTER (WHERE t.kind = 'sale'))::int AS receipts,
  round(coalesce(sum(li.quantity) FILTER (WHERE t.kind = 'sale'), 0), 3)::text AS units,
  round(coalesce(sum(round(li.unit_price * li.quantity, 2)) FILTER (WHERE t.kind = 'sale'), 0), 2)::text AS gross_sales,
  round(coalesce(sum(li.discount) FILTER (WHERE t.kind = 'sale'), 0), 2)::text AS discounts,
  round(coalesce(-sum(round(li.unit_price * li.quantity, 2) - li.discount) FILTER (WHERE t.kind = 'refund'), 0),
    2)::text AS refunds,
  round(coalesce(sum(li.tax), 0), 2)::text AS tax,
  round(coalesce(sum(round(li.unit_cost * li.quantity, 4)), 0), 2)::text AS cost`;

/** A grouping's rows for the whole of October, computed from the lines themselves, as plainly as SQL allows. */
async function directRows(grouping: Grouping) {
  const { rows } = await db.pool.query(
    `SELECT ${GROUP_KEYS[grouping]} AS group_key,
            ${DIRECT_FIGURES}
     FROM transactions t JOIN line_items li ON li.transaction_id = t.id
     WHERE t.merchant_id = $1 AND t.status = 'completed' AND t.deleted_at IS NULL
       AND t.business_date >= '2026-10-01' AND t.business_date < '2026-11-01'
     GROUP BY 1 ORDER BY 1 NULLS LAST`,
    [merchant.id],
  );
  return rows;
}

const rowFigures = (r: Record<string, unknown>) => ({
  group_key: r.group_key,
  receipts: r.receipts,
  units: r.units,
  gross_sales: r.gross_sales,
  discounts: r.discounts,
  refunds: r.refunds,
  tax: r.tax,
  cost: r.cost,
});
const byKey = (a: { group_key: unknown }, b: { group_key: unknown }) =>
  a.group_key === b.group_key
    ? 0
    : a.group_key === null
      ? 1
      : b.group_key === null
        ? -1
        : String(a.group_key) < String(b.group_key)
          ? -1
          : 1;

/** Every grouping of the report equals its direct sum; the month's period row too. */
async function expectEveryGroupingExact(step: string) {
  for (const grouping of Object.keys(GROUP_KEYS) as Grouping[]) {
    const body = await report({ period: "month", ...(grouping === "none" ? {} : { group_by: grouping }) });
    const expected = await directRows(grouping);
    const got = body.data
      .map(rowFigures)
      .filter(
        (r: { receipts: number; refunds: string }) => grouping !== "none" || r.receipts > 0 || r.refunds !== "0.00",
      );
    expect(got.sort(byKey), `${step}: group_by ${grouping}`).toEqual(expected.map(rowFigures).sort(byKey));
  }
  expect(figures((await report({ period: "day" })).totals), `${step}: totals`).toEqual(figures(await directSum()));
}

describe("GET /v1/reports/sales while the POS writes", () => {
  it(prose`
    when sales, a refund, a void and a replaced receipt arrive, then after each the totals equal the receipts to the
    cent
  `, async () => {
    expect((await put("W-1", { employee: ana, lines: [line(), edibles()] })).status).toBe(201);
    // 3.5 × 12.99 = 45.465 → 45.47; + 36.00.
    expect(figures(await totals())).toEqual({
      ...figures(await directSum()),
      receipts: 1,
      gross_sales: "81.47",
      discounts: "1.00",
    });
    await expectEveryGroupingExact("first sale");

    expect((await put("W-2", { lines: [line({ quantity: "1", discount: "0", tax: "1.95" })] })).status).toBe(201);
    expect(figures(await totals())).toMatchObject({ receipts: 2, gross_sales: "94.46" });
    await expectEveryGroupingExact("second sale");

    // A partial refund of W-1's edibles, on Oct 9.
    const refund = await put("W-1-R", {
      original_pos_id: "W-1",
      transacted_at: "2026-10-09T12:00:00-06:00",
      lines: [edibles({ quantity: "-1", tax: "-2.70" })],
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(figures(await totals())).toMatchObject({
      ...figures(await directSum()),
      receipts: 2,
      refunds: "18.00",
      net_sales: "75.46",
    });
    await expectEveryGroupingExact("refund");

    // W-2 is voided: it leaves the report entirely.
    expect((await request(app).post("/v1/transactions/W-2/void").set("x-apikey", key).send({})).status).toBe(200);
    expect(figures(await totals())).toMatchObject({
      ...figures(await directSum()),
      receipts: 1,
      gross_sales: "81.47",
      net_sales: "62.47",
    });
    await expectEveryGroupingExact("void");

    // W-1 is replaced by the POS (one flower line less): the report follows the new version.
    expect((await put("W-1", { employee: ana, lines: [edibles()] })).status).toBe(200);
    expect(figures(await totals())).toEqual({
      ...figures(await directSum()),
      receipts: 1,
      gross_sales: "36.00",
      discounts: "0.00",
      refunds: "18.00",
      net_sales: "18.00",
    });
    await expectEveryGroupingExact("replaced receipt");
  });

  it(prose`
    when a receipt moves to another day and store, or a batch lands, then both the day it left and the day it joined are
    exact
  `, async () => {
    // One pre-roll without a cost, the same receipt before and after its correction.
    const preRoll = () =>
      line({
        sku: "PR-1",
        name: "Pre-roll",
        category: "Pre-Rolls",
        brand: null,
        unit_price: "10.00",
        quantity: "1",
        discount: "0",
        tax: "1.50",
        unit_cost: null,
      });
    expect(
      (
        await put("M-1", {
          lines: [preRoll()],
        })
      ).status,
    ).toBe(201);
    await expectEveryGroupingExact("before the move");
    const byDay = async () =>
      (await report({ period: "day", group_by: "location" })).data.map(
        (r: { period: string; group_key: string; receipts: number }) => `${r.period} ${r.group_key} ${r.receipts}`,
      );
    const before = await byDay();

    // Corrected at the POS: it was sold in Brooklyn on Oct 22.
    expect(
      (
        await put("M-1", {
          location_id: other.id,
          transacted_at: "2026-10-22T15:00:00-04:00",
          lines: [preRoll()],
        })
      ).status,
    ).toBe(200);
    await expectEveryGroupingExact("after the move");
    const after = await byDay();
    expect(after).not.toEqual(before);
    expect(after).toContain(`2026-10-22 ${other.id} 1`);

    const batch = await request(app)
      .post("/v1/transactions/batch")
      .set("x-apikey", key)
      .send({
        receipts: Array.from({ length: 12 }, (_, i) => ({
          pos_id: `B-${i}`,
          location_id: i % 2 ? store.id : other.id,
          transacted_at: `2026-10-${String(10 + i).padStart(2, "0")}T12:00:00-06:00`,
          lines: [line({ quantity: String(i + 1) }), edibles({ sku: `ED-${i % 3}` })],
        })),
      });
    expect(batch.status, JSON.stringify(batch.body)).toBeLessThan(300);
    await expectEveryGroupingExact("after a batch");
  });

  it(prose`
    when receipts and lines change straight in the database (a deletion, a price fix, a line removed), then the report
    follows
  `, async () => {
    const idOf = async (posId: string) =>
      (await db.pool.query("SELECT id FROM transactions WHERE merchant_id = $1 AND pos_id = $2", [merchant.id, posId]))
        .rows[0]!.id as string;
    // An operator's fix keeps the receipt's own totals equal to its lines, as the API does.
    const retotal = (id: string) =>
      db.pool.query(
        `UPDATE transactions t SET subtotal = s.subtotal, discount_total = s.discount, tax_total = s.tax,
                total = s.subtotal - s.discount + s.tax, cost_total = s.cost
         FROM (SELECT sum(round(unit_price * quantity, 2)) AS subtotal, sum(discount) AS discount, sum(tax) AS tax,
                      sum(round(unit_cost * quantity, 4)) AS cost
               FROM line_items WHERE transaction_id = $1) s
         WHERE t.id = $1`,
        [id],
      );
    await db.pool.query("UPDATE transactions SET deleted_at = now() WHERE id = $1", [await idOf("B-3")]);
    await expectEveryGroupingExact("a deleted receipt");
    const fixed = await idOf("B-4");
    await db.pool.query(
      "UPDATE line_items SET unit_price = unit_price + 1.11, unit_cost = NULL WHERE transaction_id = $1",
      [fixed],
    );
    await retotal(fixed);
    await expectEveryGroupingExact("a price fixed on lines");
    const shortened = await idOf("B-5");
    await db.pool.query("DELETE FROM line_items WHERE transaction_id = $1 AND line_number = 2", [shortened]);
    await retotal(shortened);
    await expectEveryGroupingExact("a line removed");
    await db.pool.query("DELETE FROM transactions WHERE id = $1", [await idOf("B-6")]);
    await expectEveryGroupingExact("a receipt removed with its lines");
  });

  it(prose`
    when a monthly report by product cuts months at both ends, then its whole months (monthly rollup) and cut days
    (daily rollups) equal the lines, after writes in each
  `, async () => {
    const monthly = async () => {
      const res = await request(app)
        .get("/v1/reports/sales")
        .query({ from: "2026-09-15", to: "2026-11-10", period: "month", group_by: "product" })
        .set("x-apikey", key);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data.map((r: Record<string, unknown>) => ({ period: r.period, ...rowFigures(r) }));
    };
    const direct = async () =>
      (
        await db.pool.query(
          `SELECT to_char(t.business_date, 'YYYY-MM') AS period, li.sku AS group_key,
                  ${DIRECT_FIGURES}
           FROM transactions t JOIN line_items li ON li.transaction_id = t.id
           WHERE t.merchant_id = $1 AND t.status = 'completed' AND t.deleted_at IS NULL
             AND t.business_date >= '2026-09-15' AND t.business_date < '2026-11-10'
           GROUP BY 1, 2`,
          [merchant.id],
        )
      ).rows.map((r: Record<string, unknown>) => ({ period: r.period, ...rowFigures(r) }));
    const byPeriodAndKey = (a: { period: unknown; group_key: unknown }, b: { period: unknown; group_key: unknown }) =>
      String(a.period) < String(b.period) ? -1 : String(a.period) > String(b.period) ? 1 : byKey(a, b);
    const expectExact = async (step: string) =>
      expect((await monthly()).sort(byPeriodAndKey), step).toEqual((await direct()).sort(byPeriodAndKey));

    // Days before the range, in its cut first month, in its whole month, in its cut last month and after it.
    for (const [posId, at] of [
      ["X-1", "2026-09-10T18:00:00-06:00"],
      ["X-2", "2026-09-20T18:00:00-06:00"],
      ["X-3", "2026-10-12T18:00:00-06:00"],
      ["X-4", "2026-11-03T18:00:00-06:00"],
      ["X-5", "2026-11-20T18:00:00-06:00"],
    ] as const) {
      expect((await put(posId, { transacted_at: at, lines: [line(), edibles({ sku: `ED-${posId}` })] })).status).toBe(
        201,
      );
    }
    await expectExact("sales in every part of the range");
    // A receipt moved out of the whole month into the cut last month, another's price fixed straight in the database.
    expect(
      (await put("X-3", { transacted_at: "2026-11-04T18:00:00-06:00", lines: [line(), edibles({ sku: "ED-X-3" })] }))
        .status,
    ).toBeLessThan(300);
    await db.pool.query(
      "UPDATE line_items SET unit_price = unit_price + 2.22 WHERE transaction_id = (SELECT id FROM transactions " +
        "WHERE merchant_id = $1 AND pos_id = 'X-2')",
      [merchant.id],
    );
    await expectExact("a receipt moved between months, a price fixed");
    const october = (await monthly()).filter((r: { period: unknown }) => r.period === "2026-10");
    expect(october.length, "October's own sales are in its month row").toBeGreaterThan(0);
  });

  it(prose`
    when reports run while a store's registers keep writing, then once they stop the report equals the receipts (no
    write is lost to a refresh)
  `, async () => {
    const writes = Array.from({ length: 4 }, (_, register) =>
      (async () => {
        for (let i = 0; i < 8; i++) {
          const res = await put(`C-${register}-${i}`, {
            transacted_at: `2026-10-2${i % 3}T1${register}:00:00-06:00`,
            lines: [line({ quantity: String(i + 1) })],
          });
          expect(res.status).toBe(201);
        }
      })(),
    );
    const reads = (async () => {
      for (let i = 0; i < 10; i++) await report({ period: "day", group_by: "product" });
    })();
    await Promise.all([...writes, reads]);
    await expectEveryGroupingExact("after concurrent writes and reports");
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM report_rollup_stale WHERE merchant_id = $1 AND business_date >= '2026-10-01' " +
        "AND business_date < '2026-11-01'",
      [merchant.id],
    );
    expect(rows[0].n, "a report leaves no stale day in its range").toBe(0);
  });
});
