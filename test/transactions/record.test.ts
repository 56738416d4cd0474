// The record a transaction is served as: every field AIQ maps, money exact, margin and stock.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { transactionRecordSchema } from "../../src/transactions/schemas.js";
import { createTestApp } from "../helpers/app.js";
import {
  lineFor,
  makeCustomer,
  makeEmployee,
  makeInventory,
  makeKey,
  makeLocation,
  makeMerchant,
  makeProduct,
  makeTransaction,
} from "../helpers/factories.js";

const { app, db } = await createTestApp();

async function store() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { name: "Denver South", timeZone: "America/Denver" });
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  return { merchant, location, key };
}

describe("GET /v1/transactions/{id}", () => {
  it(prose`
    when a sale has a customer, an employee and two lines, then the record carries all of them with cost, margin and
    stock
  `, async () => {
    const { merchant, location, key } = await store();
    const customer = await makeCustomer(db, merchant.id, {
      firstName: "Dana",
      lastName: "Reyes",
      phone: "+13035550199",
      email: "dana@example.com",
    });
    const employee = await makeEmployee(db, merchant.id, { firstName: "Sam", lastName: "Lee" });
    const flower = await makeProduct(db, merchant.id, {
      sku: "FLW-1",
      brand: "Good Farms",
      category: "Flower",
      parentCategory: "Cannabis",
    });
    const vape = await makeProduct(db, merchant.id, { sku: "VAPE-1" });
    await makeInventory(
      db,
      { merchantId: merchant.id, locationId: location.id, productId: flower.id },
      { quantity: "17.500" },
    );
    const sale = await makeTransaction(db, location, {
      customerId: customer.id,
      employeeId: employee.id,
      // 23:30 in Denver on Nov 1st is Nov 2nd in UTC: the business date is local.
      transactedAt: new Date("2026-11-02T06:30:00Z"),
      lines: [
        lineFor(flower, { unitPrice: "35.00", quantity: "2", discount: "5.00", tax: "4.88", unitCost: "12.5000" }),
        lineFor(vape, { unitPrice: "20.00", quantity: "1", discount: "0", tax: "1.50", unitCost: null }),
      ],
    });

    const res = await request(app).get(`/v1/transactions/${sale.id}`).set("x-apikey", key);

    expect(res.status).toBe(200);
    const record = transactionRecordSchema.parse(res.body);
    expect(record).toMatchObject({
      id: sale.id,
      pos_id: sale.posId,
      location: { id: location.id, pos_id: location.posId, name: "Denver South", time_zone: "America/Denver" },
      business_date: "2026-11-01",
      transacted_at: "2026-11-02T06:30:00.000000Z",
      channel: "in_store",
      kind: "sale",
      status: "completed",
      voided_at: null,
      original_transaction: null,
      customer: {
        id: customer.id,
        pos_user: customer.posUser,
        first_name: "Dana",
        last_name: "Reyes",
        phone: "+13035550199",
        email: "dana@example.com",
      },
      employee: { id: employee.id, pos_id: employee.posId, name: "Sam Lee" },
      // Cost of the vape is unknown, so the receipt's cost and margin are too.
      totals: {
        subtotal: "90.00",
        discount: "5.00",
        tax: "6.38",
        total: "91.38",
        cost: null,
        margin: null,
        margin_percent: null,
      },
      deleted_at: null,
    });
    expect(record.line_items).toEqual([
      {
        line_number: 1,
        sku: "FLW-1",
        product_id: flower.id,
        pos_product_id: flower.posProductId,
        name: flower.name,
        brand: "Good Farms",
        category: "Flower",
        parent_category: "Cannabis",
        size: "3.5g",
        strain: "Blue Dream",
        grade: "A",
        species: "hybrid",
        unit_price: "35.00",
        quantity: "2.000",
        discount: "5.00",
        tax: "4.88",
        line_total: "69.88",
        unit_cost: "12.5000",
        line_cost: "25.0000",
        // net 65.00 − cost 25.00 = 40.00, 61.54 % of net (tax excluded)
        margin: "40.0000",
        margin_percent: "61.54",
        stock_on_hand: "17.500",
      },
      expect.objectContaining({
        line_number: 2,
        sku: "VAPE-1",
        product_id: vape.id,
        unit_cost: null,
        line_cost: null,
        margin: null,
        margin_percent: null,
        stock_on_hand: null,
      }),
    ]);
    expect(record.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("when every line has a cost, then the totals carry cost, margin and margin percent", async () => {
    const { location, key } = await store();
    const sale = await makeTransaction(db, location, {
      lines: [
        { unitPrice: "10.00", quantity: "3", discount: "2.00", tax: "1.00", unitCost: "4.0000" },
        { unitPrice: "7.50", quantity: "2", discount: "0", tax: "0.50", unitCost: "3.3333" },
      ],
    });
    const res = await request(app).get(`/v1/transactions/${sale.id}`).set("x-apikey", key);
    // subtotal 45.00, discount 2.00, net 43.00; cost 12.0000 + 6.6666 = 18.6666; margin 24.3334 = 56.59 %
    expect(res.body.totals).toEqual({
      subtotal: "45.00",
      discount: "2.00",
      tax: "1.50",
      total: "44.50",
      cost: "18.6666",
      margin: "24.3334",
      margin_percent: "56.59",
    });
  });

  it(prose`
    when a refund names its sale, then quantities are negative, it links the sale, and margin percent keeps its sign
  `, async () => {
    const { location, key } = await store();
    const sale = await makeTransaction(db, location, {
      lines: [{ unitPrice: "30.00", quantity: "1", unitCost: "10.0000" }],
    });
    const refund = await makeTransaction(db, location, {
      refundOf: sale,
      lines: [{ unitPrice: "30.00", quantity: "1", unitCost: "10.0000" }],
    });
    const res = await request(app).get(`/v1/transactions/${refund.id}`).set("x-apikey", key);
    expect(res.body).toMatchObject({ kind: "refund", original_transaction: { id: sale.id, pos_id: sale.posId } });
    expect(res.body.line_items[0]).toMatchObject({
      quantity: "-1.000",
      line_total: "-30.00",
      line_cost: "-10.0000",
      margin: "-20.0000",
      margin_percent: "66.67",
    });
    expect(res.body.totals).toMatchObject({
      subtotal: "-30.00",
      total: "-30.00",
      cost: "-10.0000",
      margin: "-20.0000",
      margin_percent: "66.67",
    });
  });

  it("when a sale is voided, anonymous and online, then the record says so", async () => {
    const { location, key } = await store();
    const voidedAt = new Date("2026-11-03T17:00:00.123Z");
    const sale = await makeTransaction(db, location, { voidedAt, channel: "online", customerId: null });
    const res = await request(app).get(`/v1/transactions/${sale.id}`).set("x-apikey", key);
    expect(res.body).toMatchObject({
      status: "voided",
      voided_at: "2026-11-03T17:00:00.123000Z",
      channel: "online",
      customer: null,
      employee: null,
    });
  });

  it(prose`
    when a line was never linked but a product with its SKU exists, then it carries that product and its stock
  `, async () => {
    const { merchant, location, key } = await store();
    const product = await makeProduct(db, merchant.id, { sku: "LATE-1" });
    await makeInventory(
      db,
      { merchantId: merchant.id, locationId: location.id, productId: product.id },
      { quantity: "3.000" },
    );
    const sale = await makeTransaction(db, location, { lines: [{ sku: "LATE-1", productId: null }] });
    const res = await request(app).get(`/v1/transactions/${sale.id}`).set("x-apikey", key);
    expect(res.body.line_items[0]).toMatchObject({ sku: "LATE-1", product_id: product.id, stock_on_hand: "3.000" });
  });

  it("when the stock is at another location, then stock_on_hand is null here", async () => {
    const { merchant, location, key } = await store();
    const elsewhere = await makeLocation(db, merchant.id);
    const product = await makeProduct(db, merchant.id);
    await makeInventory(db, { merchantId: merchant.id, locationId: elsewhere.id, productId: product.id });
    const sale = await makeTransaction(db, location, { lines: [lineFor(product)] });
    const res = await request(app).get(`/v1/transactions/${sale.id}`).set("x-apikey", key);
    expect(res.body.line_items[0].stock_on_hand).toBeNull();
  });

  it("when the id is unknown, then 404; when it is not a uuid, then 400 naming path.id", async () => {
    const { key } = await store();
    const missing = await request(app)
      .get("/v1/transactions/0190a6b2-0000-7000-8000-000000000000")
      .set("x-apikey", key);
    expect(missing.status).toBe(404);
    const bad = await request(app).get("/v1/transactions/R-123").set("x-apikey", key);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ location: "path.id" })]);
  });
});
