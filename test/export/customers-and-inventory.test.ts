// GET /v1/export/customers and GET /v1/export/inventory: NDJSON equal to the lists' records, CSV
// read by a real parser (quotes, commas, line breaks), the lists' filters and axes, AIQ's shapes,
// resuming with max_records, and what a key may see.
import { parse } from "csv-parse/sync";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { aiqCustomerSchema } from "../../src/customers/aiq-format.js";
import { customerRecordSchema } from "../../src/customers/schemas.js";
import { aiqInventoryItemSchema } from "../../src/inventory/aiq-format.js";
import { inventoryRecordSchema } from "../../src/inventory/schemas.js";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import {
  makeCustomer,
  makeInventory,
  makeKey,
  makeLocation,
  makeMerchant,
  makeProduct,
  makeTransaction,
} from "../helpers/factories.js";
import { call, listen, parseNdjson } from "./http.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "1000" } });
const base = await listen(app);

async function tenant() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { name: 'Miami, "Muffins" #2' });
  const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read", "inventory:read"] });
  return { merchant, location, key };
}

const exportOf = async (path: string, key: string, query: Record<string, string | number> = {}) => {
  const answer = await call(base, path, key, query);
  expect(answer.status, answer.text).toBe(200);
  return { ...answer, ...parseNdjson(answer.text) };
};
const csvOf = (text: string) => parse(text, { columns: true, record_delimiter: "\r\n" }) as Record<string, string>[];
const listOf = (path: string, key: string, query: Record<string, string | number> = {}) =>
  request(app)
    .get(path)
    .set("x-apikey", key)
    .query({ limit: 1000, ...query });

describe("GET /v1/export/customers", () => {
  it(prose`
    when exported as NDJSON, then each record is the list's own (visit figures included), and the end line carries the
    feed's continuation
  `, async () => {
    const { merchant, location, key } = await tenant();
    const a = await makeCustomer(db, merchant.id);
    const b = await makeCustomer(db, merchant.id);
    await makeTransaction(db, location, { customerId: a.id });

    const answer = await exportOf("/v1/export/customers", key);
    const list = await listOf("/v1/customers", key);

    expect(answer.records).toEqual(list.body.data);
    expect(answer.records.map((r) => r.id)).toEqual([a.id, b.id]);
    for (const record of answer.records) customerRecordSchema.parse(record);
    expect(answer.records[0].visits.visit_count).toBe(1);
    expect(answer.end).toEqual({
      export: "end",
      records: 2,
      has_more: false,
      next_cursor: expect.any(String),
      complete_through: expect.any(String),
    });

    const c = await makeCustomer(db, merchant.id);
    const polled = await listOf("/v1/customers", key, { cursor: answer.end!.next_cursor! });
    expect(polled.body.data.map((r: { id: string }) => r.id)).toEqual([c.id]);
  });

  it(prose`
    when exported as CSV, then a real CSV parser reads names and addresses with quotes, commas and line breaks exactly
  `, async () => {
    const { merchant, key } = await tenant();
    const tricky = await makeCustomer(db, merchant.id, {
      firstName: 'Zoë "Z"',
      lastName: "O'Neil,\nJr.",
      address1: '12 Main St, Apt "4"\r\nBack door',
      city: "Denver",
      loyaltyOptIn: true,
    });

    const answer = await call(base, "/v1/export/customers", key, { format: "csv" });

    expect(answer.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const rows = csvOf(answer.text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: tricky.id,
      pos_user: tricky.posUser,
      first_name: 'Zoë "Z"',
      last_name: "O'Neil,\nJr.",
      address1: '12 Main St, Apt "4"\r\nBack door',
      phone: "+13035550142",
      loyalty_opt_in: "true",
      visit_count: "0",
      lifetime_spend: "0.00",
      deleted_at: "",
    });
    expect(answer.trailers).toMatchObject({ "x-records": "1", "x-has-more": "false" });
  });

  it(prose`
    when walking by creation time with a lookup, in AIQ's shape, then only those come, as createUpdateMember bodies
  `, async () => {
    const { merchant, key } = await tenant();
    await makeCustomer(db, merchant.id, { phone: "+13035550100" });
    const match = await makeCustomer(db, merchant.id, { phone: "+13035550199" });

    const answer = await exportOf("/v1/export/customers", key, {
      created_from: "2000-01-01T00:00:00Z",
      phone: "(303) 555-0199",
      shape: "aiq",
    });

    expect(answer.records).toHaveLength(1);
    expect(aiqCustomerSchema.parse(answer.records[0])).toMatchObject({
      id: match.id,
      member: { phone_number: "3035550199" },
    });
    expect(answer.end).toMatchObject({ records: 1, has_more: false, next_cursor: null, complete_through: null });
  });

  it(prose`
    when max_records cuts it, then the cursors resume exactly, and another merchant's customers never appear
  `, async () => {
    const { merchant, key } = await tenant();
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await makeCustomer(db, merchant.id));
    const stranger = await tenant();
    await makeCustomer(db, stranger.merchant.id);

    const first = await exportOf("/v1/export/customers", key, { max_records: 2 });
    expect(first.end).toMatchObject({ records: 2, has_more: true });
    const rest = await exportOf("/v1/export/customers", key, { max_records: 2, cursor: first.end!.next_cursor! });
    expect(rest.end).toMatchObject({ records: 1, has_more: false });
    expect([...first.records, ...rest.records].map((r) => r.id)).toEqual(made.map((c) => c.id));
  });

  it("when the key lacks customers:read, then 403", async () => {
    const { merchant } = await tenant();
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"] });
    expect((await call(base, "/v1/export/customers", key)).status).toBe(403);
  });
});

describe("GET /v1/export/inventory", () => {
  async function stocked() {
    const t = await tenant();
    const product = await makeProduct(db, t.merchant.id, {
      name: 'Chemdawg, 2g "Pre-Roll"\nPack',
      brand: "Muffins, Inc.",
      customAttributes: [{ parent: "Effects", key: "Mood", value: 'Happy, "very"' }],
    });
    const other = await makeProduct(db, t.merchant.id);
    const item = await makeInventory(
      db,
      { merchantId: t.merchant.id, locationId: t.location.id, productId: product.id },
      { quantity: "3.500" },
    );
    const empty = await makeInventory(
      db,
      { merchantId: t.merchant.id, locationId: t.location.id, productId: other.id },
      { quantity: "0", inStock: false },
    );
    return { ...t, product, item, empty };
  }

  it(prose`
    when exported as NDJSON, then each record is the list's own, and filters narrow it as they narrow the list
  `, async () => {
    const { key, item, empty, product } = await stocked();

    const answer = await exportOf("/v1/export/inventory", key);
    const list = await listOf("/v1/inventory", key);

    expect(answer.records).toEqual(list.body.data);
    expect(answer.records.map((r) => r.id)).toEqual([item.id, empty.id]);
    for (const record of answer.records) inventoryRecordSchema.parse(record);
    expect((await exportOf("/v1/export/inventory", key, { in_stock: "false" })).records.map((r) => r.id)).toEqual([
      empty.id,
    ]);
    expect((await exportOf("/v1/export/inventory", key, { sku: product.sku })).records.map((r) => r.id)).toEqual([
      item.id,
    ]);
    expect(answer.end).toMatchObject({ records: 2, has_more: false, next_cursor: expect.any(String) });
  });

  it(prose`
    when exported as CSV, then a real CSV parser reads it: the location flattened, names with quotes, commas and line
    breaks intact, attributes as JSON
  `, async () => {
    const { key, item, location } = await stocked();

    const answer = await call(base, "/v1/export/inventory", key, { format: "csv", in_stock: "true" });

    const rows = csvOf(answer.text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: item.id,
      location_id: location.id,
      location_name: 'Miami, "Muffins" #2',
      name: 'Chemdawg, 2g "Pre-Roll"\nPack',
      brand: "Muffins, Inc.",
      quantity: "3.5",
      unit_cost: "12.50",
      sale_price: "35.00",
      in_stock: "true",
    });
    expect(JSON.parse(rows[0]!.custom_attributes!)).toEqual([
      { parent: "Effects", key: "Mood", value: 'Happy, "very"' },
    ]);
  });

  it("when shape=aiq, then each line is an item of AIQ's createUpdateInventory", async () => {
    const { key, item, location } = await stocked();
    const answer = await exportOf("/v1/export/inventory", key, {
      shape: "aiq",
      in_stock: "true",
      location_id: location.id,
    });
    expect(answer.records).toHaveLength(1);
    expect(aiqInventoryItemSchema.parse(answer.records[0])).toMatchObject({ id: item.id });
  });

  it("when the key is limited to another location, then it sees none of this location's stock", async () => {
    const { merchant } = await stocked();
    const elsewhere = await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"], locationIds: [elsewhere.id] });
    const answer = await exportOf("/v1/export/inventory", key);
    expect(answer.records).toEqual([]);
    expect(answer.end).toMatchObject({ records: 0 });
  });
});
