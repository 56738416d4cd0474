// The customers report as receipts change: who is new depends on each customer's first purchase
// ever, which the report reads from the customer_first_sales rollup. After each write (a first
// sale voided, a receipt given to another customer, an older sale arriving late, a receipt
// deleted) the report's new customers and first purchase dates must equal what the receipts
// themselves say, for every store and for a key limited to one store.
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

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "100000" } });
const merchant = await makeMerchant(db);
const denver = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
const boulder = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
const product = await makeProduct(db, merchant.id);
const ana = await makeCustomer(db, merchant.id, { firstName: "Ana" });
const ben = await makeCustomer(db, merchant.id, { firstName: "Ben" });
const cy = await makeCustomer(db, merchant.id, { firstName: "Cy" });
const { key } = await makeKey(db, merchant.id, { scopes: ["reports:read"] });
const { key: denverKey } = await makeKey(db, merchant.id, { scopes: ["reports:read"], locationIds: [denver.id] });

const buy = (location: typeof denver, iso: string, customerId: string | null) =>
  makeTransaction(db, location, {
    customerId,
    transactedAt: new Date(iso),
    lines: [lineFor(product, { unitPrice: "20.00", quantity: "1", unitCost: "5.0000" })],
  });

/** New customers per week of October and each top customer's first purchase, as the report says. */
async function reported(apiKey: string) {
  const res = await request(app)
    .get("/v1/reports/customers")
    .query({ from: "2026-10-01", to: "2026-11-01", period: "week", top: 10 })
    .set("x-apikey", apiKey);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return {
    newPerWeek: Object.fromEntries(
      res.body.data.map((r: { period: string; new_customers: number }) => [r.period, r.new_customers]),
    ),
    firsts: Object.fromEntries(
      res.body.top_customers.map((c: { customer_id: string; first_purchase_date: string }) => [
        c.customer_id,
        c.first_purchase_date,
      ]),
    ),
  };
}

/** The same from the receipts: each customer's first counted sale at the stores, and the week it falls in. */
async function fromReceipts(locationIds: string[] | null) {
  const { rows: firsts } = await db.pool.query<{ customer_id: string; first_day: string; in_october: boolean }>(
    `SELECT customer_id, to_char(min(business_date), 'YYYY-MM-DD') AS first_day,
            bool_or(business_date >= '2026-10-01' AND business_date < '2026-11-01') AS in_october
     FROM transactions
     WHERE merchant_id = $1 AND customer_id IS NOT NULL AND kind = 'sale' AND status = 'completed'
       AND deleted_at IS NULL
       AND ($2::uuid[] IS NULL OR location_id = ANY($2::uuid[]))
     GROUP BY customer_id`,
    [merchant.id, locationIds],
  );
  const { rows: weeks } = await db.pool.query<{ period: string; n: number }>(
    `SELECT to_char(w, 'IYYY-"W"IW') AS period,
            (SELECT count(*)::int FROM unnest($1::date[]) AS f(d) WHERE date_trunc('week', f.d) = w) AS n
     FROM generate_series(date_trunc('week', '2026-10-01'::timestamp), '2026-10-31'::timestamp, '1 week') AS w`,
    [firsts.filter((f) => f.first_day >= "2026-10-01" && f.first_day < "2026-11-01").map((f) => f.first_day)],
  );
  return {
    newPerWeek: Object.fromEntries(weeks.map((w) => [w.period, w.n])),
    // The top customers are those with receipts in October; every one of them is listed (top 10).
    firsts: Object.fromEntries(firsts.filter((f) => f.in_october).map((f) => [f.customer_id, f.first_day])),
  };
}

async function expectExact(step: string) {
  expect(await reported(key), `${step}: every store`).toEqual(await fromReceipts(null));
  expect(await reported(denverKey), `${step}: Denver only`).toEqual(await fromReceipts([denver.id]));
}

describe("GET /v1/reports/customers while receipts change", () => {
  it(prose`
    when first sales are voided, given away, arrive late or are deleted, then who is new follows the receipts
  `, async () => {
    const anaFirst = await buy(denver, "2026-10-06T18:00:00Z", ana.id);
    await buy(denver, "2026-10-20T18:00:00Z", ana.id);
    await buy(boulder, "2026-09-15T18:00:00Z", ben.id);
    const benDenver = await buy(denver, "2026-10-08T18:00:00Z", ben.id);
    await buy(boulder, "2026-10-27T18:00:00Z", cy.id);
    await expectExact("first receipts");
    expect((await reported(key)).firsts[ana.id]).toBe("2026-10-06");

    // Ana's first sale is voided: she is new in the week of her second.
    await db.pool.query("UPDATE transactions SET status = 'voided', voided_at = now() WHERE id = $1", [anaFirst.id]);
    await expectExact("a first sale voided");
    expect((await reported(key)).firsts[ana.id]).toBe("2026-10-20");

    // Ben's Denver sale was Cy's: Ben is no longer new at Denver, Cy now is (from Oct 8).
    await db.pool.query("UPDATE transactions SET customer_id = $2 WHERE id = $1", [benDenver.id, cy.id]);
    await expectExact("a receipt given to another customer");

    // An older sale of Ana arrives late (a backfill): she is a returning customer after all.
    await buy(boulder, "2026-08-02T18:00:00Z", ana.id);
    await expectExact("an older sale arriving late");
    expect((await reported(key)).firsts[ana.id]).toBe("2026-08-02");

    // Cy's Oct 8 sale is deleted: Cy is new only at Boulder, on Oct 27.
    await db.pool.query("UPDATE transactions SET deleted_at = now() WHERE id = $1", [benDenver.id]);
    await expectExact("a receipt deleted");
    expect((await reported(key)).firsts[cy.id]).toBe("2026-10-27");
  });
});
