// The customers report of one calendar month over every store is read from the customer rollups
// (customer_days, customer_months, customer_month_totals: the migration
// 20261205082000_customer_month_rollups), not from the month's receipts. Over random receipts of three
// months and three stores (sales, refunds, voids, deletions, anonymous sales, a customer buying at two
// stores the same day), and after each kind of later write, its answer must be exactly the one the
// receipts give (the same report computed from the receipts: readCustomersReport's "receipts" source).
import { readFile } from "node:fs/promises";
import path from "node:path";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/db/schema-engine.js";
import { Tenant } from "../../src/db/tenant.js";
import { prose } from "../../src/lib/prose.js";
import { answeredByRollups, type CustomersQuery, readCustomersReport } from "../../src/reports/customers/sql.js";
import type { Period } from "../../src/reports/params.js";
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

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "100000" } });
const merchant = await makeMerchant(db);
const tenant = new Tenant(merchant.id);
const stores = [
  await makeLocation(db, merchant.id, { timeZone: "America/Denver" }),
  await makeLocation(db, merchant.id, { timeZone: "America/New_York" }),
  await makeLocation(db, merchant.id, { timeZone: "America/Los_Angeles" }),
];
const product = await makeProduct(db, merchant.id);
const customers = await Promise.all(Array.from({ length: 14 }, () => makeCustomer(db, merchant.id)));
const { key } = await makeKey(db, merchant.id, { scopes: ["reports:read"] });
// Another merchant's receipts in the same months: never in this merchant's rollups.
const other = await makeMerchant(db);
const otherStore = await makeLocation(db, other.id, { timeZone: "America/Denver" });

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20261205);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const cents = () => `${5 + Math.floor(rnd() * 120)}.${String(Math.floor(rnd() * 100)).padStart(2, "0")}`;

const MONTHS = [
  ["2026-09-01", "2026-10-01"],
  ["2026-10-01", "2026-11-01"],
  ["2026-11-01", "2026-12-01"],
] as const;

/** A receipt at a random store, customer (a fifth anonymous) and time in September to November. */
function randomReceipt(extra: Parameters<typeof makeTransaction>[2] = {}) {
  const store = pick(stores);
  const at = new Date(
    Date.UTC(2026, 8, 1, 15) + Math.floor(rnd() * 90) * 86_400_000 + Math.floor(rnd() * 9) * 3_600_000,
  );
  return makeTransaction(db, store, {
    customerId: rnd() < 0.2 ? null : pick(customers).id,
    transactedAt: at,
    lines: [
      lineFor(product, { unitPrice: cents(), quantity: String(1 + Math.floor(rnd() * 3)), discount: "1.10" }),
      lineFor(product, { unitPrice: cents(), quantity: "1" }),
    ],
    ...extra,
  });
}

const sales: { id: string }[] = [];
for (let i = 0; i < 160; i++) sales.push(await randomReceipt());
for (let i = 0; i < 12; i++) await randomReceipt({ refundOf: pick(sales) });
for (let i = 0; i < 6; i++) await randomReceipt({ voidedAt: new Date("2026-12-01T00:00:00Z") });
for (let i = 0; i < 6; i++) await randomReceipt({ deletedAt: new Date("2026-12-01T00:00:00Z") });
// The same customer at two stores on one day: one customer that day, not two.
await makeTransaction(db, stores[0]!, { customerId: customers[0]!.id, transactedAt: new Date("2026-10-09T18:00:00Z") });
await makeTransaction(db, stores[2]!, { customerId: customers[0]!.id, transactedAt: new Date("2026-10-09T19:00:00Z") });
await makeTransaction(db, otherStore, { customerId: null, transactedAt: new Date("2026-10-09T18:00:00Z") });

const query = (from: string, to: string, period: Period, top: number): CustomersQuery => ({
  tenant,
  from,
  to,
  period,
  locationIds: null,
  top,
});

/** Every month, by day and by month, with a short and the longest top list: rollups against receipts. */
async function expectSameAsReceipts(months: readonly (readonly [string, string])[] = MONTHS) {
  for (const [from, to] of months)
    for (const period of ["day", "month"] as const)
      for (const top of [3, 100]) {
        const q = query(from, to, period, top);
        expect(answeredByRollups(q)).toBe(true);
        const fast = await readCustomersReport(db.pool, q);
        const slow = await readCustomersReport(db.pool, q, "receipts");
        expect(fast, `${from} ${period} top ${top}`).toEqual(slow);
      }
}

const receiptIds = async (where: string) =>
  (
    await db.pool.query<{ id: string }>(
      `SELECT id FROM transactions WHERE merchant_id = $1 AND status = 'completed' AND deleted_at IS NULL AND ${where}
       ORDER BY md5(id::text) LIMIT 1`,
      [merchant.id],
    )
  ).rows[0]!.id;

describe("the customers report of a calendar month, from the customer rollups", () => {
  it(prose`
    when random receipts of three months are reported month by month, by day and by month, then the rollups' answer
    is exactly the receipts' answer
  `, async () => {
    await expectSameAsReceipts();
    // The answers are not empty: customers, new customers and top customers were compared.
    const october = await readCustomersReport(db.pool, query("2026-10-01", "2026-11-01", "day", 100));
    expect(october.totals.customers).toBeGreaterThan(5);
    expect(october.top_customers.length).toBe(october.totals.customers);
    expect(october.periods.find((p) => p.period === "2026-10-09")!.customers).toBeGreaterThanOrEqual(1);
  });

  it("when the route answers a month, then it is the receipts' answer", async () => {
    const res = await request(app)
      .get("/v1/reports/customers")
      .query({ from: "2026-10-01", to: "2026-11-01", period: "day", top: 7 })
      .set("x-apikey", key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const slow = await readCustomersReport(db.pool, query("2026-10-01", "2026-11-01", "day", 7), "receipts");
    expect(res.body).toEqual({
      from: "2026-10-01",
      to: "2026-11-01",
      period: "day",
      totals: slow.totals,
      data: slow.periods,
      top_customers: slow.top_customers,
    });
  });

  it(prose`
    when receipts change after the month was reported (a late receipt, a void, a customer changed, a receipt moved to
    another month, a deletion, a first purchase voided or arriving late, a refund), then after each the month's answer
    is still the receipts'
  `, async () => {
    const writes: [string, () => Promise<unknown>][] = [
      ["a late receipt", () => randomReceipt()],
      [
        "a void",
        async () =>
          db.pool.query("UPDATE transactions SET status = 'voided', voided_at = now() WHERE id = $1", [
            await receiptIds("customer_id IS NOT NULL AND kind = 'sale'"),
          ]),
      ],
      [
        "a customer changed",
        async () =>
          db.pool.query("UPDATE transactions SET customer_id = $2 WHERE id = $1", [
            await receiptIds("customer_id IS NOT NULL"),
            customers[13]!.id,
          ]),
      ],
      [
        "a customer removed",
        async () =>
          db.pool.query("UPDATE transactions SET customer_id = NULL WHERE id = $1", [
            await receiptIds("customer_id IS NOT NULL"),
          ]),
      ],
      [
        "a receipt moved to another month",
        async () =>
          db.pool.query("UPDATE transactions SET business_date = business_date + 35 WHERE id = $1", [
            await receiptIds("customer_id IS NOT NULL AND business_date < '2026-10-20'"),
          ]),
      ],
      [
        "a deletion",
        async () =>
          db.pool.query("UPDATE transactions SET deleted_at = now() WHERE id = $1", [
            await receiptIds("customer_id IS NOT NULL"),
          ]),
      ],
      [
        "a customer's first purchase voided",
        () =>
          db.pool.query(
            `UPDATE transactions SET status = 'voided', voided_at = now() WHERE id = (
               SELECT id FROM transactions WHERE merchant_id = $1 AND customer_id = $2 AND kind = 'sale'
                 AND status = 'completed' AND deleted_at IS NULL ORDER BY business_date LIMIT 1)`,
            [merchant.id, customers[3]!.id],
          ),
      ],
      [
        "an earlier first purchase arriving late",
        () =>
          makeTransaction(db, stores[1]!, {
            customerId: customers[4]!.id,
            transactedAt: new Date("2026-09-01T18:00:00Z"),
          }),
      ],
      ["a refund", () => randomReceipt({ refundOf: pick(sales), customerId: customers[1]!.id })],
      [
        "a customer's every receipt of a month gone",
        () =>
          db.pool.query(
            `UPDATE transactions SET status = 'voided', voided_at = now()
             WHERE merchant_id = $1 AND customer_id = $2 AND business_date >= '2026-11-01'`,
            [merchant.id, customers[2]!.id],
          ),
      ],
    ];
    for (const [what, write] of writes) {
      // Reported first, so the write changes rollups already built.
      await readCustomersReport(db.pool, query("2026-11-01", "2026-12-01", "day", 3));
      await write();
      await expect(expectSameAsReceipts(), what).resolves.toBeUndefined();
    }
  });

  it(prose`
    when the migration runs over receipts stored before it, then its backfill gives the rollups the refresh keeps
  `, async () => {
    const tables = "customer_sales_daily, customer_days, customer_months, customer_month_totals, customer_new_days";
    // Every day rebuilt (the receipts end in November), so the rollups are those of the receipts now.
    await readCustomersReport(db.pool, query("2026-11-01", "2026-12-01", "day", 3));
    const snapshot = async () =>
      Promise.all(
        [
          "SELECT location_id, business_date, customer_id, receipts, net_cents FROM customer_sales_daily",
          "SELECT * FROM customer_days",
          "SELECT * FROM customer_months",
          "SELECT * FROM customer_month_totals",
          "SELECT * FROM customer_new_days",
        ].map(
          async (select) =>
            (
              await db.pool.query(
                `SELECT row_to_json(x)::text AS r FROM (${select} WHERE merchant_id = $1) x ORDER BY 1`,
                [merchant.id],
              )
            ).rows,
        ),
      );
    const kept = await snapshot();
    expect(kept[2]!.length).toBeGreaterThan(10);

    await db.pool.query(`TRUNCATE ${tables}`);
    const migration = await readFile(
      path.join(MIGRATIONS_DIR, "20261205082000_customer_month_rollups", "migration.sql"),
      "utf8",
    );
    const backfill = migration.slice(
      migration.indexOf("-- The rollups of the receipts as they are now"),
      migration.indexOf("-- CreateIndex"),
    );
    expect(backfill).toMatch(/^-- The rollups[\s\S]*INSERT INTO customer_new_days/);
    await db.pool.query(backfill);
    expect(await snapshot()).toEqual(kept);
  });

  it(prose`
    when the range is not one whole month, or a key sees some stores, or the period is a week, then the receipts answer
  `, () => {
    expect(answeredByRollups(query("2026-10-01", "2026-11-01", "week", 3))).toBe(false);
    expect(answeredByRollups(query("2026-10-02", "2026-11-01", "day", 3))).toBe(false);
    expect(answeredByRollups(query("2026-10-01", "2026-12-01", "month", 3))).toBe(false);
    expect(answeredByRollups({ ...query("2026-10-01", "2026-11-01", "day", 3), locationIds: [stores[0]!.id] })).toBe(
      false,
    );
    expect(
      answeredByRollups({ ...query("2026-10-01", "2026-11-01", "day", 3), tenant: new Tenant(merchant.id, []) }),
    ).toBe(false);
    expect(answeredByRollups(query("2026-12-01", "2027-01-01", "day", 3))).toBe(true);
  });
});
