// A month of one store replayed into a model of AIQ's books, built from AIQ's guide alone:
// createUpdateSale's visit is keyed by `pos_id` (the receipt id "of the sale being submitted": a
// visit posted again replaces the one AIQ has), and "the quantity ... should be a negative value if
// it is a refund". AIQ pulls the change feed in format=aiq and posts each visit as it comes; the
// books it ends with must equal GET /v1/reports/sales for that store and month, to the cent — with
// a sale voided, a receipt deleted and a refund voided after AIQ had pulled them, and a refund made.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { DEMO_SEED_OPTIONS, seedDatabase } from "../../src/seed/index.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey } from "../helpers/factories.js";

type Json = Record<string, any>;

/** Cents of a JSON number written from a 2-decimal amount. */
const cents = (amount: number) => Math.round(amount * 100);
/** round(unit_price × quantity, 2) in cents, half away from zero (PostgreSQL's round of NUMERIC). */
function grossCents(price: number, quantity: number): number {
  const exact = cents(price) * Math.round(quantity * 1000); // cents × thousandths of a unit
  return Math.sign(exact) * Math.floor((Math.abs(exact) + 500) / 1000);
}
const text = (amount: number) =>
  `${amount < 0 ? "-" : ""}${Math.floor(Math.abs(amount) / 100)}.${String(Math.abs(amount) % 100).padStart(2, "0")}`;

/** AIQ's books as its guide describes them: visits upserted by pos_id; negative quantities are refunds. */
class AiqBooks {
  readonly visits = new Map<string, Json>();

  /** POST /api/v1.1/createUpdateSale: the visit with this pos_id is created or replaced. */
  createUpdateSale(body: { visit: Json }) {
    this.visits.set(body.visit.pos_id, body.visit);
  }

  /** Sales, discounts, refunds, tax and the sum of visit totals of one store's days [from, to). */
  totals(location: string, from: string, to: string) {
    const t = { gross: 0, discounts: 0, refunds: 0, tax: 0, visitTotals: 0 };
    for (const visit of this.visits.values()) {
      if (visit.location !== location || visit.business_date < from || visit.business_date >= to) continue;
      t.visitTotals += cents(visit.transaction_total);
      for (const line of visit.visit_details_attributes) {
        const gross = grossCents(line.price, line.quantity);
        if (line.quantity > 0) {
          t.gross += gross;
          t.discounts += cents(line.discount);
        } else if (line.quantity < 0) {
          t.refunds -= gross - cents(line.discount);
        }
        t.tax += cents(line.tax);
      }
    }
    return t;
  }
}

const { app, db } = await createTestApp();
const now = new Date("2026-11-01T12:00:00Z");
const summary = await seedDatabase(db.pool, {
  ...DEMO_SEED_OPTIONS,
  months: 2,
  transactionsPerMerchant: 1_200,
  customersPerMerchant: 150,
  productsPerMerchant: 60,
  now,
});
const merchantId = summary.merchantsCreated[0]!.id;
const { key } = await makeKey(db, merchantId);
const month = { from: "2026-10-01", to: "2026-11-01" };
const { rows: stores } = await db.pool.query<{ id: string; name: string }>(
  "SELECT id, name FROM locations WHERE merchant_id = $1 ORDER BY pos_id LIMIT 1",
  [merchantId],
);
const store = stores[0]!;

/** Receipts of the store and month, as SQL conditions on `t`. */
const inMonth =
  `t.merchant_id = $1 AND t.location_id = $2 AND t.business_date >= $3::date AND t.business_date < ` +
  `$4::date AND t.deleted_at IS NULL AND t.status = 'completed'`;
const noRefunds = `NOT EXISTS (SELECT 1 FROM transactions r WHERE r.original_transaction_id = t.id)`;
async function receipts(condition: string, count: number): Promise<Json[]> {
  const { rows } = await db.pool.query(
    `SELECT t.id, t.pos_id,
            (SELECT json_agg(json_build_object('sku', l.sku, 'name', l.name, 'unit_price', l.unit_price::text,
              'quantity', l.quantity::text,
                     'discount', l.discount::text, 'tax',
                       l.tax::text) ORDER BY l.line_number) FROM line_items l WHERE l.transaction_id = t.id) AS lines
       FROM transactions t WHERE ${inMonth} AND ${condition} ORDER BY t.pos_id LIMIT ${count}`,
    [merchantId, store.id, month.from, month.to],
  );
  expect(rows).toHaveLength(count);
  return rows;
}

/** AIQ's pull: the change feed in AIQ's shape from `cursor`, each visit posted to the books; the continuation. */
async function pull(books: AiqBooks, cursor?: string): Promise<string> {
  for (;;) {
    const res = await request(app)
      .get("/v1/transactions")
      .query({ format: "aiq", limit: 500, ...(cursor ? { cursor } : {}) })
      .set("x-apikey", key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const visit of res.body.data) books.createUpdateSale({ visit });
    cursor = res.body.next_cursor;
    if (!res.body.has_more) return cursor!;
  }
}

const negate = (decimal: string) =>
  decimal.startsWith("-") ? decimal.slice(1) : decimal === "0.00" ? decimal : `-${decimal}`;

describe("a month of a store replayed into AIQ's books", () => {
  it(prose`
    when AIQ pulls the month, then sales are voided, deleted and refunded, and AIQ pulls again, then its books equal the
    sales report to the cent
  `, async () => {
    const books = new AiqBooks();
    const continuation = await pull(books);

    // After AIQ has pulled them: a sale voided, a sale deleted (a tombstone), a refund voided, and a new partial
    // refund.
    const [voided, deleted, refunded] = await receipts(`t.kind = 'sale' AND ${noRefunds}`, 3);
    const [refundVoided] = await receipts(`t.kind = 'refund'`, 1);
    const write = request(app);
    expect(
      (
        await write
          .post(`/v1/transactions/${encodeURIComponent(voided!.pos_id)}/void`)
          .set("x-apikey", key)
          .send({})
      ).status,
    ).toBe(200);
    expect(
      (
        await write
          .post(`/v1/transactions/${encodeURIComponent(refundVoided!.pos_id)}/void`)
          .set("x-apikey", key)
          .send({})
      ).status,
    ).toBe(200);
    await db.pool.query("UPDATE transactions SET deleted_at = now() WHERE id = $1", [deleted!.id]);
    const line = refunded!.lines[0];
    const refund = await write
      .put("/v1/transactions/aiq-books-refund-1")
      .set("x-apikey", key)
      .send({
        location_id: store.id,
        transacted_at: "2026-10-20T18:00:00Z",
        original_pos_id: refunded!.pos_id,
        lines: [
          {
            sku: line.sku,
            name: line.name,
            unit_price: line.unit_price,
            quantity: negate(line.quantity),
            discount: negate(line.discount),
            tax: negate(line.tax),
          },
        ],
      });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);

    await pull(books, continuation);

    // AIQ's copies of the changed receipts were replaced: the voided and deleted count for nothing.
    for (const cancelled of [voided!, deleted!, refundVoided!])
      expect(books.visits.get(cancelled.pos_id)!.transaction_total).toBe(0);
    expect(books.visits.get("aiq-books-refund-1")!.visit_details_attributes[0].quantity).toBeLessThan(0);

    const report = await request(app)
      .get("/v1/reports/sales")
      .query({ ...month, location_id: store.id, period: "month" })
      .set("x-apikey", key);
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    const aiq = books.totals(store.name, month.from, month.to);
    expect(aiq.gross).toBeGreaterThan(0);
    expect(aiq.refunds).toBeGreaterThan(0);
    expect({
      gross_sales: text(aiq.gross),
      discounts: text(aiq.discounts),
      refunds: text(aiq.refunds),
      net_sales: text(aiq.gross - aiq.discounts - aiq.refunds),
      tax: text(aiq.tax),
    }).toEqual({
      gross_sales: report.body.totals.gross_sales,
      discounts: report.body.totals.discounts,
      refunds: report.body.totals.refunds,
      net_sales: report.body.totals.net_sales,
      tax: report.body.totals.tax,
    });
    // AIQ's own transaction_total, summed, is what the store took: net sales plus tax.
    expect(text(aiq.visitTotals)).toBe(
      text(cents(Number(report.body.totals.net_sales)) + cents(Number(report.body.totals.tax))),
    );
  });
});
