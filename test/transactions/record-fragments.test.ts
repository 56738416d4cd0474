// Our record is joined from JSON fragments kept with the rows (migration
// 20261205060000_record_json_fragments, src/transactions/record-sql.ts). Every record the service
// sends (a page, the one-record read, the NDJSON export) must be byte for byte what PostgreSQL's
// JSON functions render from the same rows (test/helpers/record-oracle.ts): over the seeder's data
// (sales, refunds, voids, many stores and products) and over the edges of every field's text
// (quotes, backslashes, control characters, line breaks, non-ASCII), nulls, zero and negative
// amounts; and again after each kind of write the fragments must follow (a customer's PATCH, a void,
// a delete, a product created for a SKU sold before it existed, stock changed or removed).
import { sql } from "kysely";
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { reviewedStatement, run } from "../../src/db/sql.js";
import { prose } from "../../src/lib/prose.js";
import { seedDatabase } from "../../src/seed/index.js";
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
import { oracleRecords } from "../helpers/record-oracle.js";

// Many pages and exports in a row: the limits are not what this suite is about.
const { app, db } = await createTestApp({
  env: { RATE_LIMIT_PER_MINUTE: "10000", RATE_LIMIT_HEAVY_PER_MINUTE: "1000" },
});

/** Text that JSON must escape, or that a careless concatenation would break. */
const AWKWARD = 'Quote " back\\slash \u0001\u001f tab\t line\nbreak\r «ünïcödé» 🌿 </script> \u2028';

let keys: string[] = [];
let edge: {
  merchantId: string;
  key: string;
  customerId: string;
  salePosId: string;
  lateSku: string;
  stockId: string;
};

beforeAll(async () => {
  const [seeded] = (
    await seedDatabase(db.pool, {
      seed: 11,
      merchants: 1,
      locationsPerMerchant: 2,
      customersPerMerchant: 60,
      productsPerMerchant: 40,
      transactionsPerMerchant: 400,
      employeesPerLocation: 2,
      months: 2,
    })
  ).merchantsCreated;
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { name: AWKWARD, timeZone: "America/Denver" });
  const customer = await makeCustomer(db, merchant.id, {
    posUser: AWKWARD,
    firstName: AWKWARD,
    lastName: null,
    phone: null,
    email: null,
  });
  const employee = await makeEmployee(db, merchant.id, { firstName: AWKWARD, lastName: null });
  const product = await makeProduct(db, merchant.id, { sku: AWKWARD, name: AWKWARD, strain: null, grade: null });
  const stock = await makeInventory(
    db,
    { merchantId: merchant.id, locationId: location.id, productId: product.id },
    { quantity: "-0.500" },
  );
  const sale = await makeTransaction(db, location, {
    posId: `R-${AWKWARD}`,
    customerId: customer.id,
    employeeId: employee.id,
    transactedAt: new Date("1000-06-15T12:00:00Z"),
    lines: [
      lineFor(product, { unitPrice: "99999999.99", quantity: "0.001", discount: "0.01", tax: "0", unitCost: null }),
      // Zero net: margin_percent is null.
      { sku: "FREE", name: "", unitPrice: "0.00", quantity: "1", unitCost: "0.0000" },
      { sku: "LATE-SKU", name: "Sold before the catalogue knew it", unitPrice: "10.00", quantity: "3" },
    ],
  });
  await makeTransaction(db, location, { refundOf: sale, transactedAt: new Date("9999-12-31T23:59:59.999Z") });
  await makeTransaction(db, location, { voidedAt: new Date("2026-01-01T00:00:00Z"), channel: "online" });
  await makeTransaction(db, location, { deletedAt: new Date("2026-02-01T00:00:00Z"), lines: [] });
  const scopes = ["transactions:read", "contacts:write", "pos:write"] as const;
  edge = {
    merchantId: merchant.id,
    key: (await makeKey(db, merchant.id, { scopes: [...scopes] })).key,
    customerId: customer.id,
    salePosId: sale.posId,
    lateSku: "LATE-SKU",
    stockId: stock.id,
  };
  keys = [(await makeKey(db, seeded!.id, { scopes: [...scopes] })).key, edge.key];
});

/** Every record of a key's merchant, as its pages send them (the body holds each record's text as is). */
async function pagesOf(key: string): Promise<string> {
  let body = "";
  let cursor: string | undefined;
  do {
    const res = await request(app)
      .get("/v1/transactions")
      .query({ limit: 1000, ...(cursor ? { cursor } : {}) })
      .set("Authorization", `Bearer ${key}`)
      .expect(200);
    body += res.text;
    cursor = res.body.has_more ? res.body.next_cursor : undefined;
  } while (cursor);
  return body;
}

async function exportOf(key: string): Promise<string[]> {
  const res = await request(app)
    .get("/v1/export/transactions")
    .query({ format: "ndjson" })
    .set("Authorization", `Bearer ${key}`)
    .buffer(true)
    .parse((response, done) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () => done(null, text));
    })
    .expect(200);
  const lines = (res.body as string).split("\n").filter((line) => line.length > 0);
  // Control lines (checkpoints, the end) are told apart by their `export` member (export/protocol.ts).
  expect(lines.at(-1)).toMatch(/^\{"export":"end"/);
  return lines.filter((line) => !line.startsWith('{"export":'));
}

/** The service's records, by every read path, against the oracle's for every receipt. */
async function expectAllReadsMatchTheOracle() {
  const oracle = await oracleRecords(db.pool);
  expect(oracle.size).toBeGreaterThan(400);
  const served = new Set<string>();
  for (const key of keys) {
    const pages = await pagesOf(key);
    const lines = await exportOf(key);
    for (const line of lines) {
      const record = JSON.parse(line) as { id: string };
      // An NDJSON line is the record with json_agg's line breaks left out (only those: others are escaped).
      expect(line).toBe(oracle.get(record.id)!.replaceAll("\n", ""));
      expect(pages.includes(oracle.get(record.id)!), `page bytes of ${record.id}`).toBe(true);
      served.add(record.id);
    }
  }
  expect(served.size).toBe(oracle.size);
  const single = await request(app)
    .get(`/v1/transactions/${[...served].at(-1)}`)
    .set("Authorization", `Bearer ${keys.at(-1)}`)
    .expect(200);
  expect(single.text).toContain(oracle.get([...served].at(-1)!)!);
}

describe("transaction records joined from stored fragments", () => {
  it(prose`
    when every receipt is read by page, by the export and one by one, then each record is byte for byte what the JSON
    functions render from its rows
  `, async () => {
    await expectAllReadsMatchTheOracle();
  });

  it(prose`
    when a customer is changed, a sale voided, a product created for a SKU sold before it existed and stock changed
    or removed, then every record still matches the JSON functions byte for byte
  `, async () => {
    const auth = { Authorization: `Bearer ${edge.key}` };
    await request(app)
      .patch(`/v1/customers/${edge.customerId}`)
      .set(auth)
      .send({ first_name: 'Renamed \\ "again"', email: "new@example.com" })
      .expect(200);
    const late = await makeProduct(db, edge.merchantId, { sku: edge.lateSku });
    const [location] = await db.prisma.location.findMany({ where: { merchantId: edge.merchantId } });
    await makeInventory(db, { merchantId: edge.merchantId, locationId: location!.id, productId: late.id });
    await db.prisma.inventoryItem.update({ where: { id: edge.stockId }, data: { deletedAt: new Date() } });
    const refundless = await makeTransaction(db, location!, { posId: "TO-VOID" });
    await request(app).post(`/v1/transactions/${refundless.posId}/void`).set(auth).send({}).expect(200);
    const before = await run(
      db.pool,
      reviewedStatement(
        "housekeeping",
        sql<{ n: number }>`SELECT count(*)::int AS n FROM transactions WHERE json_head IS NULL OR json_tail IS NULL`,
      ),
    );
    expect(before[0]!.n).toBe(0);
    await expectAllReadsMatchTheOracle();
  });
});
