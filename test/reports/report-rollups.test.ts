// The report rollups' bookkeeping: which writes mark a store-day stale, and what a report rebuilds.
// (Whether the figures stay exact through writes is sales-writes.test.ts and customers-writes.test.ts.)
import { readFile } from "node:fs/promises";
import path from "node:path";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/db/schema-engine.js";
import { Tenant } from "../../src/db/tenant.js";
import { prose } from "../../src/lib/prose.js";
import { refreshReportRollups } from "../../src/reports/rollups.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "100000" } });
const merchant = await makeMerchant(db);
const tenant = new Tenant(merchant.id);
const denver = await makeLocation(db, merchant.id, { name: "Denver", timeZone: "America/Denver" });
const brooklyn = await makeLocation(db, merchant.id, { name: "Brooklyn", timeZone: "America/New_York" });
const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write", "reports:read"] });

/** The marked store-days, as "YYYY-MM-DD store-name". */
async function stale(): Promise<string[]> {
  const { rows } = await db.pool.query<{ mark: string }>(
    `SELECT DISTINCT to_char(s.business_date, 'YYYY-MM-DD') || ' ' || l.name AS mark
     FROM report_rollup_stale s JOIN locations l ON l.id = s.location_id WHERE s.merchant_id = $1 ORDER BY 1`,
    [merchant.id],
  );
  return rows.map((r) => r.mark);
}
const rollupDays = async () =>
  (
    await db.pool.query<{ day: string }>(
      "SELECT DISTINCT to_char(business_date, 'YYYY-MM-DD') AS day FROM sales_daily WHERE merchant_id = $1 ORDER BY 1",
      [merchant.id],
    )
  ).rows.map((r) => r.day);

describe("the report rollups' stale marks", () => {
  it(prose`
    when receipts are written, then exactly their store-days are marked, and rebuilding clears the marks
  `, async () => {
    await makeTransaction(db, denver, { transactedAt: new Date("2026-10-05T18:00:00Z") });
    // 23:30 local in Brooklyn on Oct 6 is Oct 7 in UTC: the business day marked is Oct 6.
    await makeTransaction(db, brooklyn, { transactedAt: new Date("2026-10-07T03:30:00Z") });
    expect(await stale()).toEqual(["2026-10-05 Denver", "2026-10-06 Brooklyn"]);

    expect(await refreshReportRollups(db.pool, tenant, null, null)).toBe(2);
    expect(await stale()).toEqual([]);
    expect(await rollupDays()).toEqual(["2026-10-05", "2026-10-06"]);
    // Nothing left to do: a second refresh rebuilds nothing.
    expect(await refreshReportRollups(db.pool, tenant, null, null)).toBe(0);
  });

  it(prose`
    when a report asks for one range, then only that range is rebuilt; other marked days wait for their own report
  `, async () => {
    await makeTransaction(db, denver, { transactedAt: new Date("2026-09-10T18:00:00Z") });
    await makeTransaction(db, denver, { transactedAt: new Date("2026-10-20T18:00:00Z") });
    const res = await request(app)
      .get("/v1/reports/sales")
      .query({ from: "2026-10-01", to: "2026-11-01", period: "month" })
      .set("x-apikey", key);
    expect(res.status).toBe(200);
    expect(res.body.totals.receipts).toBe(3);
    expect(await stale()).toEqual(["2026-09-10 Denver"]);
    await refreshReportRollups(db.pool, tenant, null, null);
  });

  it(prose`
    when a product is created for SKUs already sold, then linking their lines marks nothing (no figure changes)
  `, async () => {
    await makeTransaction(db, denver, {
      transactedAt: new Date("2026-10-21T18:00:00Z"),
      lines: [{ sku: "LATE-1", quantity: "1" }],
    });
    await refreshReportRollups(db.pool, tenant, null, null);
    const res = await request(app)
      .put("/v1/inventory")
      .set("x-apikey", key)
      .send({
        items: [{ location_id: denver.id, sku: "LATE-1", name: "Late Product", sale_price: "35.00", quantity: "3" }],
      });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM line_items WHERE merchant_id = $1 AND sku = 'LATE-1' AND product_id IS NOT NULL",
      [merchant.id],
    );
    expect(rows[0].n, "the earlier line is linked to its new product").toBe(1);
    expect(await stale()).toEqual([]);
  });

  it("when a receipt is voided, then its day is marked; when only its body hash changes, nothing is", async () => {
    const sale = await makeTransaction(db, brooklyn, { transactedAt: new Date("2026-10-22T18:00:00Z") });
    await refreshReportRollups(db.pool, tenant, null, null);
    await db.pool.query("UPDATE transactions SET body_hash = 'changed' WHERE id = $1", [sale.id]);
    expect(await stale()).toEqual([]);
    await db.pool.query("UPDATE transactions SET status = 'voided', voided_at = now() WHERE id = $1", [sale.id]);
    expect(await stale()).toEqual(["2026-10-22 Brooklyn"]);
  });

  it(prose`
    when the migration runs over receipts stored before it, then it builds their rollups itself (no report meets a
    backlog)
  `, async () => {
    const customer = (await makeCustomer(db, merchant.id)).id;
    await makeTransaction(db, denver, { transactedAt: new Date("2026-06-02T18:00:00Z"), customerId: customer });
    await makeTransaction(db, brooklyn, { transactedAt: new Date("2026-06-03T18:00:00Z") });
    const reports = async () => [
      (
        await request(app)
          .get("/v1/reports/sales")
          .query({ from: "2026-06-01", to: "2026-11-01", period: "month", group_by: "product" })
          .set("x-apikey", key)
      ).body,
      (
        await request(app)
          .get("/v1/reports/customers")
          .query({ from: "2026-06-01", to: "2026-11-01", period: "month" })
          .set("x-apikey", key)
      ).body,
    ];
    const before = await reports();

    // As a database that had receipts before the migration: no rollups and no marks at all.
    await db.pool.query(
      "TRUNCATE report_rollup_stale, sales_daily, sales_daily_lines, customer_first_sales, customer_first_purchases",
    );
    const migration = await readFile(
      path.join(MIGRATIONS_DIR, "20261127030000_report_rollups", "migration.sql"),
      "utf8",
    );
    const backfill = migration.slice(migration.indexOf("-- The receipts already stored"));
    expect(backfill).toMatch(/^-- The receipts already stored[\s\S]*refresh_report_rollups/);
    await db.pool.query(backfill);

    expect(await stale()).toEqual([]);
    expect(await rollupDays()).toEqual(expect.arrayContaining(["2026-06-02", "2026-06-03", "2026-10-05"]));
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM customer_first_sales WHERE customer_id = $1", [
      customer,
    ]);
    expect(rows[0].n).toBe(1);
    expect(await reports()).toEqual(before);
  });

  it(prose`
    when the first-purchase migration runs over customers already counted, then each customer's first purchase at any
    store is the earliest of their store firsts, and the customers report is unchanged
  `, async () => {
    const customer = (await makeCustomer(db, merchant.id)).id;
    await makeTransaction(db, brooklyn, { transactedAt: new Date("2026-05-12T18:00:00Z"), customerId: customer });
    await makeTransaction(db, denver, { transactedAt: new Date("2026-05-20T18:00:00Z"), customerId: customer });
    const report = async () =>
      (
        await request(app)
          .get("/v1/reports/customers")
          .query({ from: "2026-05-01", to: "2026-11-01", period: "month" })
          .set("x-apikey", key)
      ).body;
    const before = await report();
    expect(before.data[0]).toMatchObject({ period: "2026-05", new_customers: 1 });

    // As a database migrated up to the table's creation: store firsts, no first purchases.
    await db.pool.query("TRUNCATE customer_first_purchases");
    const migration = await readFile(
      path.join(MIGRATIONS_DIR, "20261205063000_customer_first_purchases", "migration.sql"),
      "utf8",
    );
    const backfill = migration.slice(migration.indexOf("-- The first purchases of the customers already counted"));
    expect(backfill).toMatch(/^-- The first purchases[\s\S]*INSERT INTO customer_first_purchases/);
    await db.pool.query(backfill);

    const { rows } = await db.pool.query(
      `SELECT to_char(first_date, 'YYYY-MM-DD') AS day FROM customer_first_purchases
       WHERE merchant_id = $1 AND customer_id = $2`,
      [merchant.id, customer],
    );
    expect(rows).toEqual([{ day: "2026-05-12" }]);
    expect(await report()).toEqual(before);
  });
});
