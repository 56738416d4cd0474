import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";

const { app, db } = await createTestApp();

// The factory's default receipt: 2 × 35.00 − 5.00 + 4.88 tax.
const RECEIPT_TOTAL = "69.88";

describe("GET /v1/customers — visit figures", () => {
  it(prose`
    when a customer has sales, refunds, voids and deleted receipts, then the figures count non-voided sales minus
    refunds
  `, async () => {
    const merchant = await makeMerchant(db);
    const [north, south] = [await makeLocation(db, merchant.id), await makeLocation(db, merchant.id)];
    const customer = await makeCustomer(db, merchant.id);
    const at = (iso: string) => new Date(iso);
    const first = await makeTransaction(db, north, {
      customerId: customer.id,
      transactedAt: at("2026-01-05T18:00:00Z"),
    });
    await makeTransaction(db, north, { customerId: customer.id, transactedAt: at("2026-02-10T18:00:00Z") });
    await makeTransaction(db, south, { customerId: customer.id, transactedAt: at("2026-03-15T18:30:00.123456Z") });
    await makeTransaction(db, north, {
      customerId: customer.id,
      refundOf: first,
      transactedAt: at("2026-01-09T18:00:00Z"),
    });
    // None of these count: a voided sale (even the latest), a deleted one, an anonymous one.
    await makeTransaction(db, south, {
      customerId: customer.id,
      transactedAt: at("2026-04-01T18:00:00Z"),
      voidedAt: at("2026-04-01T18:05:00Z"),
    });
    await makeTransaction(db, south, {
      customerId: customer.id,
      transactedAt: at("2026-04-02T18:00:00Z"),
      deletedAt: at("2026-04-03T00:00:00Z"),
    });
    await makeTransaction(db, south, { transactedAt: at("2026-04-04T18:00:00Z") });

    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    const res = await request(app).get("/v1/customers").set("x-apikey", key);
    expect(res.status).toBe(200);
    expect(res.body.data[0].visits).toEqual({
      first_visit_at: "2026-01-05T18:00:00.000000Z",
      last_visit_at: "2026-03-15T18:30:00.123000Z",
      visit_count: 3,
      lifetime_spend: "139.76", // 3 × 69.88 − 69.88
    });
    const one = await request(app).get(`/v1/customers/${customer.id}`).set("x-apikey", key);
    expect(one.body.visits).toEqual(res.body.data[0].visits);

    // A key limited to the north store sees the customer, with the north store's figures only.
    const { key: northKey } = await makeKey(db, merchant.id, { scopes: ["customers:read"], locationIds: [north.id] });
    const limited = await request(app).get(`/v1/customers/${customer.id}`).set("x-apikey", northKey);
    expect(limited.status).toBe(200);
    expect(limited.body.visits).toEqual({
      first_visit_at: "2026-01-05T18:00:00.000000Z",
      last_visit_at: "2026-02-10T18:00:00.000000Z",
      visit_count: 2,
      lifetime_spend: RECEIPT_TOTAL,
    });
    const limitedList = await request(app).get("/v1/customers").set("x-apikey", northKey);
    expect(limitedList.body.data[0].visits).toEqual(limited.body.visits);
  });

  it(prose`
    when a page holds many customers with receipts, then it costs the same number of queries as a page of one
  `, async () => {
    const merchant = await makeMerchant(db);
    const store = await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
    for (let i = 0; i < 30; i++) {
      const customer = await makeCustomer(db, merchant.id);
      await makeTransaction(db, store, { customerId: customer.id });
    }
    const queries = vi.spyOn(db.pool, "query");
    // The key's own reads and writes (authentication) are not the list's.
    const listQueries = () =>
      queries.mock.calls
        .map(([q]) => String(typeof q === "string" ? q : (q as { text: string }).text))
        .filter((sql) => !sql.includes('"api_keys"'));
    try {
      const one = await request(app).get("/v1/customers").query({ limit: 1 }).set("x-apikey", key);
      const onePage = listQueries();
      queries.mockClear();
      const many = await request(app).get("/v1/customers").query({ limit: 30 }).set("x-apikey", key);
      expect(one.body.data).toHaveLength(1);
      expect(many.body.data).toHaveLength(30);
      expect(many.body.data.every((c: { visits: { visit_count: number } }) => c.visits.visit_count === 1)).toBe(true);
      // The page with its visit figures: one statement (the feed's horizon is read with the key).
      expect(onePage).toHaveLength(1);
      expect(listQueries()).toHaveLength(1);
    } finally {
      queries.mockRestore();
    }
  });
});
