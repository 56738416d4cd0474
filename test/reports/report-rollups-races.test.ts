// The report rollups when a register's write and a report's refresh interleave. The register's
// database transaction stays open on its own connection, and the refresh is held between taking its
// marks and rebuilding (another connection locks a rollup row of the day), so each interleaving is
// reproduced on purpose, not by luck: the receipt written before or during the refresh, committed
// during or after it. Whatever the order, once it has committed the next reports include it, in
// the sales rollups and in the customer's first purchase.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "100000" } });
const october = { from: "2026-10-01", to: "2026-11-01" };

/** A merchant of its own per test, so a write lost in one test cannot fail another. */
async function aStore() {
  const merchant = await makeMerchant(db);
  const store = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
  const { key } = await makeKey(db, merchant.id, { scopes: ["reports:read"] });
  return { merchant, store, key };
}
type Shop = Awaited<ReturnType<typeof aStore>>;

/** A register on its own connection: its database transaction stays open until it commits. */
async function openRegister({ merchant, store }: Shop) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("BEGIN");
  return {
    /** A sale of one line on a business day, as the API writes it: the receipt, then its lines. */
    async sell(day: string, customerId: string | null) {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO transactions (id, merchant_id, pos_id, location_id, customer_id, transacted_at, business_date,
          subtotal, total, cost_total)
         VALUES (gen_random_uuid(), $1, 'held-' || gen_random_uuid(), $2, $3,
           ($4::date + time '12:00') AT TIME ZONE 'America/Denver', $4::date, 25.00, 25.00, 10.0000)
         RETURNING id`,
        [merchant.id, store.id, customerId, day],
      );
      await client.query(
        `INSERT INTO line_items (id, merchant_id, transaction_id, line_number, sku, name, category, unit_price,
          quantity, line_total, unit_cost)
         VALUES (gen_random_uuid(), $1, $2, 1, 'HELD-1', 'Held sale', 'Held', 25.00, 1, 25.00, 10.0000)`,
        [merchant.id, rows[0]!.id],
      );
    },
    async commit() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

/**
 * Holds the next refresh of a day between taking its marks and rebuilding: another transaction
 * locks the day's sales_daily rows, which the refresh deletes first. Resolves once the refresh
 * waits on that lock; release() lets it go on.
 */
async function holdRefreshOf({ merchant, store }: Shop, day: string) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("BEGIN");
  const { rowCount } = await client.query(
    "SELECT 1 FROM sales_daily WHERE merchant_id = $1 AND location_id = $2 AND business_date = $3 FOR UPDATE",
    [merchant.id, store.id, day],
  );
  expect(rowCount, "the day has rollup rows to lock").toBeGreaterThan(0);
  const { rows: me } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return {
    async refreshIsWaiting() {
      for (let i = 0; i < 1000; i++) {
        const { rows } = await db.pool.query(
          `SELECT 1 FROM pg_stat_activity
           WHERE datname = current_database() AND query LIKE 'SELECT refresh_report_rollups(%'
             AND $1::int = ANY(pg_blocking_pids(pid))`,
          [me[0]!.pid],
        );
        if (rows.length > 0) return;
        await sleep(10);
      }
      throw new Error("the refresh never reached the held lock");
    },
    async release() {
      await client.query("ROLLBACK");
      await client.end();
    },
  };
}

async function salesReport({ key }: Shop) {
  const res = await request(app)
    .get("/v1/reports/sales")
    .query({ ...october, period: "month" })
    .set("x-apikey", key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { receipts: res.body.totals.receipts as number, net_sales: res.body.totals.net_sales as string };
}

async function customersReport({ key }: Shop) {
  const res = await request(app)
    .get("/v1/reports/customers")
    .query({ ...october, period: "month", top: 100 })
    .set("x-apikey", key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return {
    newCustomers: res.body.totals.new_customers as number,
    firsts: Object.fromEntries(
      res.body.top_customers.map((c: { customer_id: string; first_purchase_date: string | null }) => [
        c.customer_id,
        c.first_purchase_date,
      ]),
    ),
  };
}

/** The same figures straight from the committed receipts. */
async function fromReceipts({ merchant }: Shop) {
  const { rows } = await db.pool.query(
    `SELECT (count(*) FILTER (WHERE kind = 'sale'))::int AS receipts,
      round(coalesce(sum(subtotal - discount_total), 0), 2)::text AS net_sales
     FROM transactions WHERE merchant_id = $1 AND status = 'completed' AND deleted_at IS NULL AND business_date >= $2
       AND business_date < $3`,
    [merchant.id, october.from, october.to],
  );
  const { rows: firsts } = await db.pool.query<{ customer_id: string; first_day: string }>(
    `SELECT customer_id, to_char(min(business_date), 'YYYY-MM-DD') AS first_day FROM transactions
     WHERE merchant_id = $1 AND customer_id IS NOT NULL AND kind = 'sale' AND status = 'completed'
       AND deleted_at IS NULL
     GROUP BY customer_id`,
    [merchant.id],
  );
  return {
    sales: rows[0] as { receipts: number; net_sales: string },
    newCustomers: firsts.filter((f) => f.first_day >= october.from && f.first_day < october.to).length,
    firsts: Object.fromEntries(firsts.map((f) => [f.customer_id, f.first_day])),
  };
}

/** A day already in the rollups and marked again by a committed receipt: the state a busy store is in. */
async function markedDay(shop: Shop, day: string) {
  const { merchant, store } = shop;
  await makeTransaction(db, store, { transactedAt: new Date(`${day}T18:00:00Z`) });
  await salesReport(shop);
  await makeTransaction(db, store, { transactedAt: new Date(`${day}T19:00:00Z`) });
  const { rows } = await db.pool.query(
    "SELECT count(*)::int AS n FROM report_rollup_stale WHERE merchant_id = $1 AND business_date = $2",
    [merchant.id, day],
  );
  expect(rows[0].n, "the day is marked before the register writes").toBeGreaterThan(0);
}

describe("the report rollups when a register's transaction and a report's refresh interleave", () => {
  it.each([
    { day: "2026-10-05", writes: "before", commits: "after" },
    { day: "2026-10-06", writes: "during", commits: "after" },
    { day: "2026-10-07", writes: "before", commits: "during" },
    { day: "2026-10-08", writes: "during", commits: "during" },
  ] as const)(
    prose`
    when a receipt is written $writes a refresh of its marked day and commits $commits it, then the next reports include
    it (sales and first purchase)
  `,
    async ({ day, writes, commits }) => {
      const shop = await aStore();
      await markedDay(shop, day);
      const customer = await makeCustomer(db, shop.merchant.id);
      const register = await openRegister(shop);
      const hold = await holdRefreshOf(shop, day);

      if (writes === "before") await register.sell(day, customer.id);
      const report = salesReport(shop);
      await hold.refreshIsWaiting();
      if (writes === "during") await register.sell(day, customer.id);
      if (commits === "during") await register.commit();
      await hold.release();
      await report;
      if (commits === "after") await register.commit();

      const expected = await fromReceipts(shop);
      expect(expected.firsts[customer.id], "the receipt is committed").toBe(day);
      expect(await salesReport(shop), "sales report").toEqual(expected.sales);
      const customers = await customersReport(shop);
      expect(customers.firsts[customer.id], "the customer's first purchase").toBe(day);
      expect(customers.newCustomers, "new customers").toBe(expected.newCustomers);
      const { rows } = await db.pool.query(
        "SELECT count(*)::int AS n FROM report_rollup_stale WHERE merchant_id = $1 AND business_date < $2",
        [shop.merchant.id, october.to],
      );
      expect(rows[0].n, "the reports leave no stale day in their range").toBe(0);
    },
  );

  it(prose`
    when a register's receipt commits after a customers report rebuilt its marked day, then the next customers report
    has the customer's first purchase
  `, async () => {
    const shop = await aStore();
    const day = "2026-10-12";
    await markedDay(shop, day);
    const customer = await makeCustomer(db, shop.merchant.id);
    const register = await openRegister(shop);
    await register.sell(day, customer.id);
    expect((await customersReport(shop)).firsts[customer.id], "not committed yet").toBeUndefined();
    await register.commit();
    expect((await customersReport(shop)).firsts[customer.id]).toBe(day);
  });

  it(prose`
    when a second report refreshes while the first is rebuilding, then it waits its turn, and the receipt that committed
    meanwhile is in both and leaves no mark
  `, async () => {
    const shop = await aStore();
    const day = "2026-10-13";
    await markedDay(shop, day);
    const customer = await makeCustomer(db, shop.merchant.id);
    const register = await openRegister(shop);
    await register.sell(day, customer.id);
    const hold = await holdRefreshOf(shop, day);
    const first = salesReport(shop);
    await hold.refreshIsWaiting();
    const second = customersReport(shop);
    for (let i = 0; ; i++) {
      const { rows } = await db.pool.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT " +
          "refresh_report_rollups(%' AND wait_event = 'advisory'",
      );
      if (rows.length > 0) break;
      if (i > 1000) throw new Error("the second refresh never waited for the first");
      await sleep(10);
    }
    await register.commit();
    await hold.release();
    // The first read the receipts after the commit; the second took the receipt's own mark after
    // the first had finished (its pick could not see it before), and rebuilt the day again.
    expect((await first).receipts).toBe(3);
    expect((await second).firsts[customer.id]).toBe(day);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM report_rollup_stale WHERE merchant_id = $1", [
      shop.merchant.id,
    ]);
    expect(rows[0].n, "no mark left").toBe(0);
  });

  it(prose`
    when two registers write the same store-day in open transactions, then neither waits for the other and each leaves
    one mark, which the next report clears
  `, async () => {
    const shop = await aStore();
    const day = "2026-10-14";
    const first = await openRegister(shop);
    const second = await openRegister(shop);
    await first.sell(day, null);
    // Two receipts of the second register while the first's transaction is open: a wait on the
    // first (a unique index on the marks would make one) would hang here.
    await second.sell(day, null);
    await second.sell(day, null);
    await second.commit();
    await first.commit();
    const marks = async () =>
      (
        await db.pool.query(
          "SELECT count(*)::int AS n FROM report_rollup_stale WHERE merchant_id = $1 AND business_date = $2",
          [shop.merchant.id, day],
        )
      ).rows[0].n;
    expect(await marks(), "one mark per writing transaction, not per statement").toBe(2);
    expect((await salesReport(shop)).receipts).toBe(3);
    expect(await marks()).toBe(0);
  });
});
