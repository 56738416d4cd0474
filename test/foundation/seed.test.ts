import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { checkSeedConsistency, DEMO_SEED_OPTIONS, seedDatabase } from "../../src/seed/index.js";
import { createTestDb } from "../helpers/db.js";

const db = await createTestDb();
const now = new Date("2026-11-01T12:00:00Z");

describe("the seeder", () => {
  it(prose`
    when the demo is seeded, then its data is consistent: totals equal their lines, refunds never exceed sales, business
    dates are local
  `, async () => {
    const summary = await seedDatabase(db.pool, {
      ...DEMO_SEED_OPTIONS,
      transactionsPerMerchant: 3_000,
      customersPerMerchant: 400,
      productsPerMerchant: 80,
      now,
    });
    expect(summary.transactions).toBe(3_000);
    const merchant = summary.merchantsCreated[0]!;
    expect(merchant.slug).toBe("demo");
    expect(await checkSeedConsistency(db.pool, merchant.id)).toEqual([]);

    const { rows } = await db.pool.query(
      `SELECT count(*) FILTER (WHERE kind = 'refund')::int AS refunds,
        count(*) FILTER (WHERE status = 'voided')::int AS voids,
              count(*) FILTER (WHERE customer_id IS NULL)::int AS anonymous, count(DISTINCT l.time_zone)::int AS zones,
              min(business_date) AS first_day, max(business_date) AS last_day
         FROM transactions t JOIN locations l ON l.id = t.location_id WHERE t.merchant_id = $1`,
      [merchant.id],
    );
    expect(rows[0].refunds).toBeGreaterThan(0);
    expect(rows[0].voids).toBeGreaterThan(0);
    expect(rows[0].anonymous).toBeGreaterThan(0);
    expect(rows[0].zones).toBeGreaterThan(1);
    expect((rows[0].last_day - rows[0].first_day) / 86_400_000).toBeGreaterThan(360);
  });

  it(prose`
    when the same options are seeded again, then a new merchant is added and nothing existing is touched
  `, async () => {
    const before = await db.pool.query("SELECT count(*)::int AS n FROM transactions");
    const summary = await seedDatabase(db.pool, {
      ...DEMO_SEED_OPTIONS,
      transactionsPerMerchant: 200,
      customersPerMerchant: 50,
      productsPerMerchant: 20,
      now,
    });
    expect(summary.merchantsCreated[0]!.slug).toBe("demo-2");
    const after = await db.pool.query("SELECT count(*)::int AS n FROM transactions");
    expect(after.rows[0].n).toBe(before.rows[0].n + 200);
  });
});
