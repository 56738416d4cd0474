// GET /v1/transactions: the two axes, filters, keyset paging and its cursors, format=aiq.
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { aiqVisitSchema } from "../../src/transactions/aiq-format.js";
import { transactionRecordSchema } from "../../src/transactions/schemas.js";
import { createTestApp } from "../helpers/app.js";
import {
  lineFor,
  makeCustomer,
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
  const location = await makeLocation(db, merchant.id);
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  return { merchant, location, key };
}

const get = (key: string, query: Record<string, string | number>) =>
  request(app).get("/v1/transactions").query(query).set("x-apikey", key);

/** Follows next_cursor while has_more; returns every record served. */
async function walk(key: string, query: Record<string, string | number>) {
  const seen: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const res = await get(key, cursor ? { ...query, cursor } : query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    seen.push(...res.body.data);
    if (!res.body.has_more) return { seen, last: res.body };
    cursor = res.body.next_cursor;
  }
  throw new Error("too many pages");
}

describe("GET /v1/transactions", () => {
  it(prose`
    when walking the change feed page by page, then every record comes exactly once, in change order, with lines
  `, async () => {
    const { location, key } = await store();
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await makeTransaction(db, location));

    const { seen, last } = await walk(key, { limit: 3 });

    expect(seen.map((r) => r.id)).toEqual(made.map((t) => t.id));
    for (const record of seen) transactionRecordSchema.parse(record);
    const times = seen.map((r) => r.updated_at);
    expect([...times].sort()).toEqual(times);
    expect(last.has_more).toBe(false);
    // The feed's answer says how far it is complete, and a continuation to poll later.
    expect(Date.parse(last.complete_through)).toBeGreaterThanOrEqual(Date.parse(times.at(-1)!));
    expect(last.next_cursor).toEqual(expect.any(String));
  });

  it("when limit is not given, then 100 per page; when 1000, then up to 1000", async () => {
    const { location, key } = await store();
    for (let i = 0; i < 3; i++) await makeTransaction(db, location);
    const res = await get(key, {});
    expect(res.body.data).toHaveLength(3);
    expect((await get(key, { limit: 1000 })).status).toBe(200);
    const over = await get(key, { limit: 1001 });
    expect(over.status).toBe(400);
    expect(over.body.errors[0].location).toBe("query.limit");
  });

  it("when updated_from and updated_to are given, then the range is half-open [from, to)", async () => {
    const { location, key } = await store();
    const a = await makeTransaction(db, location);
    const b = await makeTransaction(db, location);
    const c = await makeTransaction(db, location);
    const times = await db.pool.query<{ id: string; at: string }>(
      `SELECT id, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM transactions
        WHERE id = ANY($1) ORDER BY updated_at`,
      [[a.id, b.id, c.id]],
    );
    const [ta, tb, tc] = times.rows.map((r) => r.at);
    // Microsecond bounds: the feed's times are exact.
    const res = await get(key, { updated_from: tb!, updated_to: tc! });
    expect(res.body.data.map((r: { id: string }) => r.id)).toEqual([b.id]);
    // The bound sent, to the microsecond (it was once cut to milliseconds).
    expect(res.body.complete_through).toBe(tc);
    // Below the horizon, the client's updated_to bounds the answer: nothing more will come, no continuation.
    expect(res.body.next_cursor).toBeNull();
    const fromA = await get(key, { updated_from: ta! });
    expect(fromA.body.data.map((r: { id: string }) => r.id)).toEqual([a.id, b.id, c.id]);
  });

  it(prose`
    when walking by business time, then the order is (transacted_at, id), half-open, with no complete_through
  `, async () => {
    const { location, key } = await store();
    const late = await makeTransaction(db, location, { transactedAt: new Date("2026-10-03T18:00:00Z") });
    const early = await makeTransaction(db, location, { transactedAt: new Date("2026-10-01T18:00:00Z") });
    const edge = await makeTransaction(db, location, { transactedAt: new Date("2026-10-05T00:00:00Z") });
    const before = await makeTransaction(db, location, { transactedAt: new Date("2026-09-30T23:59:59Z") });

    const { seen, last } = await walk(key, {
      transacted_from: "2026-10-01T00:00:00Z",
      transacted_to: "2026-10-05T00:00:00Z",
      limit: 1,
    });

    expect(seen.map((r) => r.id)).toEqual([early.id, late.id]);
    expect(seen.map((r) => r.id)).not.toContain(edge.id);
    expect(seen.map((r) => r.id)).not.toContain(before.id);
    expect(last).toMatchObject({ has_more: false, next_cursor: null, complete_through: null });
  });

  it("when time is given with an offset, then it is read as that instant", async () => {
    const { location, key } = await store();
    const sale = await makeTransaction(db, location, { transactedAt: new Date("2026-10-01T07:00:00Z") });
    const res = await get(key, {
      transacted_from: "2026-10-01T00:00:00-07:00",
      transacted_to: "2026-10-01T00:00:01-07:00",
    });
    expect(res.body.data.map((r: { id: string }) => r.id)).toEqual([sale.id]);
  });

  it("when filtered by location, customer and status, then only matching transactions come", async () => {
    const { merchant, location, key } = await store();
    const other = await makeLocation(db, merchant.id);
    const customer = await makeCustomer(db, merchant.id);
    const mine = await makeTransaction(db, location, { customerId: customer.id });
    const voided = await makeTransaction(db, location, { customerId: customer.id, voidedAt: new Date() });
    const elsewhere = await makeTransaction(db, other, { customerId: customer.id });
    await makeTransaction(db, location);

    const ids = async (query: Record<string, string>) =>
      (await get(key, query)).body.data.map((r: { id: string }) => r.id);
    expect(await ids({ customer_id: customer.id })).toEqual([mine.id, voided.id, elsewhere.id]);
    expect(await ids({ customer_id: customer.id, location_id: location.id })).toEqual([mine.id, voided.id]);
    expect(await ids({ customer_id: customer.id, status: "voided" })).toEqual([voided.id]);
    expect(await ids({ location_id: other.id })).toEqual([elsewhere.id]);
  });

  it(prose`
    when rows are inserted and changed while a client pages, then nothing already served repeats unless it changed, and
    every change arrives
  `, async () => {
    const { location, key } = await store();
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await makeTransaction(db, location));
    const page1 = await get(key, { limit: 2 });
    expect(page1.body.data.map((r: { id: string }) => r.id)).toEqual([first[0]!.id, first[1]!.id]);

    // Meanwhile: a new sale, and a void of a sale already served.
    const added = await makeTransaction(db, location);
    await db.prisma.transaction.update({
      where: { id: first[0]!.id },
      data: { status: "voided", voidedAt: new Date() },
    });

    const { seen } = await walk(key, { limit: 2, cursor: page1.body.next_cursor });
    expect(seen.map((r) => r.id)).toEqual([first[2]!.id, first[3]!.id, added.id, first[0]!.id]);
    expect(seen.at(-1)).toMatchObject({ id: first[0]!.id, status: "voided" });
  });

  it("when the last page's continuation is polled after new writes, then exactly the new changes come", async () => {
    const { location, key } = await store();
    await makeTransaction(db, location);
    const { last } = await walk(key, { limit: 10 });
    const empty = await get(key, { limit: 10, cursor: last.next_cursor });
    expect(empty.body.data).toEqual([]);
    const later = await makeTransaction(db, location);
    const next = await get(key, { limit: 10, cursor: empty.body.next_cursor });
    expect(next.body.data.map((r: { id: string }) => r.id)).toEqual([later.id]);
  });

  it("when format=aiq, then each record is AIQ's createUpdateSale visit with cost, margin and stock", async () => {
    const { merchant, location, key } = await store();
    const customer = await makeCustomer(db, merchant.id, { email: "kai@example.com", phone: "+17205550100" });
    const product = await makeProduct(db, merchant.id, {
      sku: "AUR932K",
      posProductId: "P-932",
      category: "Pre-Roll",
      parentCategory: "Flower",
    });
    await makeInventory(
      db,
      { merchantId: merchant.id, locationId: location.id, productId: product.id },
      { quantity: "9.000" },
    );
    const sale = await makeTransaction(db, location, {
      customerId: customer.id,
      transactedAt: new Date("2014-04-20T04:03:53Z"),
      lines: [
        lineFor(product, { unitPrice: "40.00", quantity: "1", discount: "12.00", tax: "0", unitCost: "10.0000" }),
      ],
    });

    const res = await get(key, { format: "aiq" });

    expect(res.status).toBe(200);
    const visit = aiqVisitSchema.parse(res.body.data[0]);
    expect(visit).toMatchObject({
      pos_id: sale.posId,
      pos_user: customer.posUser,
      pos_type: "in-store",
      sendNotification: 0,
      transaction_date: "2014-04-20 04:03:53 +0000",
      transaction_total: 28,
      location: location.name,
      transaction_cost: 10,
      transaction_margin: 18,
      email: "kai@example.com",
      phone: "7205550100",
      type: "sale",
      status: "completed",
      id: sale.id,
    });
    expect(visit.visit_details_attributes).toEqual([
      expect.objectContaining({
        sku: "AUR932K",
        price: 40,
        quantity: 1,
        discount: 12,
        category: "Pre-Roll",
        parentCategory: "Flower",
        productId: "P-932",
        unit_cost: 10,
        margin: 18,
        stock_on_hand: 9,
      }),
    ]);
    // The numbers are the stored decimals, written as they are: no float drift.
    expect(res.text).toContain('"transaction_total":28.00');
    const one = await request(app).get(`/v1/transactions/${sale.id}`).query({ format: "aiq" }).set("x-apikey", key);
    expect(one.body).toEqual(visit);
  });

  it(prose`
    when a page holds many transactions with many lines, then it costs the same queries as a page of one: the key with
    the feed's horizon, then the page
  `, async () => {
    const { merchant, location, key } = await store();
    const customer = await makeCustomer(db, merchant.id);
    const product = await makeProduct(db, merchant.id);
    await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: product.id });
    for (let i = 0; i < 25; i++) {
      await makeTransaction(db, location, {
        customerId: customer.id,
        lines: [lineFor(product), lineFor(product), { sku: `X-${i}` }],
      });
    }
    const queries = vi.spyOn(db.pool, "query");
    // The key's lookup is counted (on a feed it reads the horizon too); the record of its use (once a minute) is not.
    const listQueries = () =>
      queries.mock.calls
        .map(([q]) => String(typeof q === "string" ? q : (q as { text: string }).text))
        .filter((sql) => !sql.startsWith('update "api_keys"'));
    try {
      const one = await get(key, { limit: 1 });
      expect(listQueries()).toHaveLength(2);
      queries.mockClear();
      const many = await get(key, { limit: 25, format: "aiq" });
      expect(one.body.data).toHaveLength(1);
      expect(many.body.data).toHaveLength(25);
      expect(
        many.body.data.every((v: { visit_details_attributes: unknown[] }) => v.visit_details_attributes.length === 3),
      ).toBe(true);
      expect(listQueries()).toHaveLength(2);
      queries.mockClear();
      await get(key, { limit: 25, transacted_from: "2000-01-01T00:00:00Z" });
      // Business time is not a feed: the horizon read with the key goes unused, and the page is one query.
      expect(listQueries()).toHaveLength(2);
      expect(listQueries()[1]).toContain("transacted_at");
    } finally {
      queries.mockRestore();
    }
  });

  it(prose`
    when a cursor is reused with other filters, then 400 on query.cursor; with format changed, it still works
  `, async () => {
    const { location, key } = await store();
    for (let i = 0; i < 3; i++) await makeTransaction(db, location);
    const page1 = await get(key, { limit: 1, status: "completed" });
    const other = await get(key, { limit: 1, cursor: page1.body.next_cursor });
    expect(other.status).toBe(400);
    expect(other.body.errors).toEqual([expect.objectContaining({ location: "query.cursor", code: "invalid_cursor" })]);
    const aiq = await get(key, { limit: 1, status: "completed", format: "aiq", cursor: page1.body.next_cursor });
    expect(aiq.status).toBe(200);
  });

  it("when the cursor is tampered with, then 400 on query.cursor", async () => {
    const { location, key } = await store();
    for (let i = 0; i < 2; i++) await makeTransaction(db, location);
    const cursor: string = (await get(key, { limit: 1 })).body.next_cursor;
    const [data, signature] = cursor.split(".");
    const payload = JSON.parse(Buffer.from(data!, "base64url").toString());
    payload.p[0] = "2000-01-01T00:00:00.000000Z";
    const forged = `${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${signature}`;
    for (const bad of [forged, "garbage", `${cursor}x`]) {
      const res = await get(key, { limit: 1, cursor: bad });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].location).toBe("query.cursor");
    }
  });

  it("when a parameter is misspelled, then 400 naming it", async () => {
    const { key } = await store();
    const res = await get(key, { updated_frm: "2026-01-01T00:00:00Z" });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { location: "query.updated_frm", message: "Unknown query parameter 'updated_frm'.", code: "unknown_parameter" },
    ]);
  });

  it("when a date is bad, a range is reversed and both axes are used, then 400 listing every issue", async () => {
    const { key } = await store();
    const res = await get(key, {
      updated_from: "yesterday",
      transacted_from: "2026-02-01T00:00:00Z",
      transacted_to: "2026-01-01T00:00:00Z",
      status: "pending",
      customer_id: "42",
    });
    expect(res.status).toBe(400);
    const locations = res.body.errors.map((e: { location: string }) => e.location).sort();
    // The range rules are listed beside the other issues, not hidden behind them.
    expect(locations).toEqual(
      [
        "query.customer_id",
        "query.status",
        "query.transacted_from",
        "query.transacted_to",
        "query.updated_from",
      ].sort(),
    );
    const ranges = await get(key, {
      updated_from: "2026-01-01T00:00:00Z",
      transacted_from: "2026-02-01T00:00:00Z",
      transacted_to: "2026-01-01T00:00:00Z",
    });
    expect(ranges.status).toBe(400);
    expect(ranges.body.errors.map((e: { location: string }) => e.location).sort()).toEqual([
      "query.transacted_from",
      "query.transacted_to",
    ]);
    const same = await get(key, { updated_from: "2026-01-01T00:00:00Z", updated_to: "2026-01-01T00:00:00Z" });
    expect(same.body.errors).toEqual([expect.objectContaining({ location: "query.updated_to" })]);
  });
});
