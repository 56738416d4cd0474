// format=aiq on transactions: what AIQ receives for an anonymous sale, a void, a deletion and a
// refund, the phone rule shared with members, and the lookup by the POS's receipt id.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import {
  makeCustomer,
  makeEmployee,
  makeKey,
  makeLocation,
  makeMerchant,
  makeTransaction,
} from "../helpers/factories.js";

const { app, db } = await createTestApp();

async function store() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id);
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read", "customers:read"] });
  return { merchant, location, key };
}

const get = (key: string, path: string, query: Record<string, string | number> = {}) =>
  request(app).get(path).query(query).set("x-apikey", key);

/** Every object in a JSON value that holds a null member, with the member's path. */
function nullPaths(value: unknown, path = "$"): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => nullPaths(item, `${path}[${i}]`));
  if (typeof value === "object")
    return Object.entries(value as object).flatMap(([k, v]) => nullPaths(v, `${path}.${k}`));
  return [];
}

describe("GET /v1/transactions?format=aiq", () => {
  it(prose`
    when a sale is anonymous and its lines lack strain, grade and species, then those fields are left out, never null
  `, async () => {
    const { location, key } = await store();
    const sale = await makeTransaction(db, location, {
      lines: [{ unitCost: null, strain: null, grade: null, species: null }],
    });
    const res = await get(key, "/v1/transactions", { format: "aiq" });
    expect(nullPaths(res.body.data)).toEqual([]);
    const visit = res.body.data[0];
    expect(visit.pos_id).toBe(sale.posId);
    for (const field of [
      "pos_user",
      "email",
      "phone",
      "employee_pos_id",
      "employee_name",
      "refund_of_pos_id",
      "voided_at",
      "transaction_cost",
      "transaction_margin",
    ]) {
      expect(visit).not.toHaveProperty(field);
    }
    for (const field of ["strain", "grade", "species", "unit_cost", "line_cost", "margin", "stock_on_hand"]) {
      expect(visit.visit_details_attributes[0]).not.toHaveProperty(field);
    }
    // Our own shape keeps its nulls, as before.
    const standard = await get(key, "/v1/transactions");
    expect(standard.body.data[0].customer).toBeNull();
  });

  it(prose`
    when a sale is voided or deleted, then its visit keeps its pos_id with every amount and quantity at 0; a refund has
    negative quantities
  `, async () => {
    const { merchant, location, key } = await store();
    const customer = await makeCustomer(db, merchant.id);
    const employee = await makeEmployee(db, merchant.id);
    const line = { unitPrice: "40.00", quantity: "2", discount: "5.00", tax: "3.00", unitCost: "10.0000" };
    const voided = await makeTransaction(db, location, {
      customerId: customer.id,
      employeeId: employee.id,
      voidedAt: new Date(),
      lines: [line],
    });
    const deleted = await makeTransaction(db, location, {
      customerId: customer.id,
      deletedAt: new Date(),
      lines: [line],
    });
    const sale = await makeTransaction(db, location, { customerId: customer.id, lines: [line] });
    const refund = await makeTransaction(db, location, {
      customerId: customer.id,
      refundOf: sale,
      lines: [{ ...line, quantity: "1", discount: "2.50", tax: "1.50" }],
    });

    const res = await get(key, "/v1/transactions", { format: "aiq" });
    const byPosId = new Map(res.body.data.map((v: { pos_id: string }) => [v.pos_id, v]));
    const zero = {
      transaction_total: 0,
      transaction_subtotal: 0,
      transaction_discount: 0,
      transaction_tax: 0,
      transaction_cost: 0,
      transaction_margin: 0,
    };
    const zeroLine = {
      sku: expect.any(String),
      price: 40,
      quantity: 0,
      discount: 0,
      tax: 0,
      line_total: 0,
      unit_cost: 10,
      line_cost: 0,
      margin: 0,
    };
    expect(byPosId.get(voided.posId)).toMatchObject({
      ...zero,
      status: "voided",
      voided_at: expect.any(String),
      deleted: false,
      pos_user: customer.posUser,
    });
    expect(byPosId.get(voided.posId)).not.toHaveProperty("transaction_margin_percent");
    expect((byPosId.get(voided.posId) as { visit_details_attributes: unknown[] }).visit_details_attributes).toEqual([
      expect.objectContaining(zeroLine),
    ]);
    expect(byPosId.get(deleted.posId)).toMatchObject({ ...zero, status: "completed", deleted: true });
    expect((byPosId.get(deleted.posId) as { visit_details_attributes: unknown[] }).visit_details_attributes).toEqual([
      expect.objectContaining(zeroLine),
    ]);
    expect(byPosId.get(sale.posId)).toMatchObject({ transaction_total: 78, type: "sale" });
    expect(byPosId.get(refund.posId)).toMatchObject({
      transaction_total: -39,
      type: "refund",
      refund_of_pos_id: sale.posId,
    });
    expect((byPosId.get(refund.posId) as { visit_details_attributes: unknown[] }).visit_details_attributes).toEqual([
      expect.objectContaining({ price: 40, quantity: -1, discount: -2.5, tax: -1.5 }),
    ]);
    // Our own shape still tells the receipt as it is.
    const standard = await get(key, `/v1/transactions/${voided.id}`);
    expect(standard.body.totals.total).toBe("78.00");
  });

  it(prose`
    when a customer has a +1 phone, then the visit's phone and the member's phone_number are the same 10 digits; other
    countries stay E.164
  `, async () => {
    const { merchant, location, key } = await store();
    for (const phone of ["+13035550142", "+447911123456"]) {
      const customer = await makeCustomer(db, merchant.id, { phone });
      const sale = await makeTransaction(db, location, { customerId: customer.id });
      const visit = await get(key, `/v1/transactions/${sale.id}`, { format: "aiq" });
      const member = await get(key, `/v1/customers/${customer.id}`, { format: "aiq" });
      expect(visit.body.phone).toBe(member.body.member.phone_number);
      expect(visit.body.phone).toBe(phone === "+13035550142" ? "3035550142" : "+447911123456");
    }
  });

  it(prose`
    when AIQ looks a sale up by its pos_id, then only that receipt is served, in either format; another merchant's is
    not found
  `, async () => {
    const { location, key } = await store();
    const other = await store();
    const wanted = await makeTransaction(db, location, { posId: "120-receipt-id-120" });
    await makeTransaction(db, location);
    await makeTransaction(db, other.location, { posId: "120-receipt-id-121" });
    const aiq = await get(key, "/v1/transactions", { pos_id: "120-receipt-id-120", format: "aiq" });
    expect(aiq.status).toBe(200);
    expect(aiq.body.data.map((v: { pos_id: string }) => v.pos_id)).toEqual(["120-receipt-id-120"]);
    const standard = await get(key, "/v1/transactions", {
      pos_id: "120-receipt-id-120",
      transacted_from: "2000-01-01T00:00:00Z",
    });
    expect(standard.body.data.map((r: { id: string }) => r.id)).toEqual([wanted.id]);
    expect((await get(key, "/v1/transactions", { pos_id: "120-receipt-id-121" })).body.data).toEqual([]);
    const empty = await get(key, "/v1/transactions", { pos_id: "" });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].location).toBe("query.pos_id");
  });
});
