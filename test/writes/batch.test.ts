import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeEmployee, makeInventory, makeKey, makeLocation, makeProduct } from "../helpers/factories.js";
import { as, auditOf, makeTenant, receiptBody, receiptRow, saleLine } from "./helpers.js";

const { app, db } = await createTestApp();

describe("POST /v1/transactions/batch", () => {
  it(prose`
    when one receipt is malformed and one refers to an unknown store, then the good ones are stored and each bad one is
    reported with every issue
  `, async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).post("/v1/transactions/batch", {
      receipts: [
        { pos_id: "B-1", ...receiptBody(t) },
        { pos_id: "B-2", ...receiptBody(t, { transacted_at: "soon", lines: [{ sku: "A" }] }) },
        { pos_id: "B-3", ...receiptBody(t, { location_id: undefined, location_pos_id: "nowhere" }) },
        { pos_id: "B-4", ...receiptBody(t, { lines: [saleLine({ quantity: 4 })] }) },
        "not a receipt",
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ created: 2, updated: 0, unchanged: 0, error: 3 });
    const [b1, b2, b3, b4, b5] = res.body.results;
    expect(b1).toMatchObject({ pos_id: "B-1", result: "created", id: expect.any(String) });
    expect(b2).toMatchObject({ pos_id: "B-2", result: "error", status: 400, code: "validation_failed" });
    expect(b2.errors.map((e: { location: string }) => e.location).sort()).toEqual(
      [
        "body.receipts.1.lines.0.name",
        "body.receipts.1.lines.0.quantity",
        "body.receipts.1.lines.0.unit_price",
        "body.receipts.1.transacted_at",
      ].sort(),
    );
    expect(b3).toMatchObject({
      pos_id: "B-3",
      result: "error",
      status: 422,
      errors: [expect.objectContaining({ location: "body.receipts.2.location_pos_id", code: "unknown_location" })],
    });
    expect(b4).toMatchObject({ pos_id: "B-4", result: "created" });
    expect(b5).toMatchObject({ pos_id: null, result: "error", status: 400 });
    expect(await receiptRow(db, t.merchant.id, "B-1")).not.toBeNull();
    expect(await receiptRow(db, t.merchant.id, "B-2")).toBeNull();
    expect(await receiptRow(db, t.merchant.id, "B-3")).toBeNull();
    expect((await receiptRow(db, t.merchant.id, "B-4")).total).toBe("139.88");
  });

  it(prose`
    when the same batch is sent again, then every receipt is unchanged; when a receipt changed, only it is updated
  `, async () => {
    const t = await makeTenant(db);
    const receipts = Array.from({ length: 20 }, (_, i) => ({
      pos_id: `BB-${i}`,
      ...receiptBody(t, { lines: [saleLine({ quantity: i + 1 })] }),
    }));
    const first = await as(app, t.key).post("/v1/transactions/batch", { receipts });
    expect(first.body.summary).toEqual({ created: 20, updated: 0, unchanged: 0, error: 0 });
    receipts[7] = { ...receipts[7]!, lines: [saleLine({ quantity: 99 })] };
    const second = await as(app, t.key).post("/v1/transactions/batch", { receipts });
    expect(second.body.summary).toEqual({ created: 0, updated: 1, unchanged: 19, error: 0 });
    expect(second.body.results[7]).toMatchObject({ pos_id: "BB-7", result: "updated", id: first.body.results[7].id });
    expect((await auditOf(db, t.merchant.id)).length).toBe(21);
  });

  it(prose`
    when a batch holds a sale, its refunds and a second version of a receipt, then they are written in the order sent
  `, async () => {
    const t = await makeTenant(db);
    const refund = (posId: string, quantity: number) => ({
      pos_id: posId,
      ...receiptBody(t, { original_pos_id: "BS-1", lines: [saleLine({ quantity, discount: 0, tax: 0 })] }),
    });
    const res = await as(app, t.key).post("/v1/transactions/batch", {
      receipts: [
        { pos_id: "BS-1", ...receiptBody(t, { lines: [saleLine({ quantity: 3 })] }) },
        refund("BR-1", -2),
        refund("BR-2", -2),
        refund("BR-3", -1),
        { pos_id: "BS-2", ...receiptBody(t) },
        { pos_id: "BS-2", ...receiptBody(t, { lines: [saleLine({ quantity: 7 })] }) },
      ],
    });
    expect(res.body.results.map((r: { pos_id: string; result: string }) => `${r.pos_id}:${r.result}`)).toEqual([
      "BS-1:created",
      "BR-1:created",
      "BR-2:error",
      "BR-3:created",
      "BS-2:created",
      "BS-2:updated",
    ]);
    expect(res.body.results[2].errors[0].message).toBe(
      "line 1 (sku SKU-BD-35): refunds 2 but only 1 remains refundable (sold 3, already refunded 2).",
    );
    expect((await receiptRow(db, t.merchant.id, "BS-2")).subtotal).toBe("245.00");
  });

  it("when the envelope is wrong (no receipts, empty, too many), then 400 and nothing is written", async () => {
    const t = await makeTenant(db);
    expect((await as(app, t.key).post("/v1/transactions/batch", { receipt: [] })).status).toBe(400);
    expect((await as(app, t.key).post("/v1/transactions/batch", { receipts: [] })).status).toBe(400);
    const tooMany = await as(app, t.key).post("/v1/transactions/batch", {
      receipts: Array.from({ length: 501 }, (_, i) => ({ pos_id: `T-${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].location).toBe("body.receipts");
  });

  it(prose`
    when a batch is retried with the same Idempotency-Key, then the first results come back and nothing is written again
  `, async () => {
    const t = await makeTenant(db);
    const body = { receipts: [{ pos_id: "BI-1", ...receiptBody(t) }] };
    const first = await as(app, t.key).post("/v1/transactions/batch", body).set("Idempotency-Key", "batch-1");
    const retry = await as(app, t.key).post("/v1/transactions/batch", body).set("Idempotency-Key", "batch-1");
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect(retry.body.results[0].result).toBe("created");
  });

  it(prose`
    when two requests with one Idempotency-Key run at once, then the batch runs once and the other is told to retry
    (409) or gets its answer
  `, async () => {
    const t = await makeTenant(db);
    const body = { receipts: Array.from({ length: 30 }, (_, i) => ({ pos_id: `BC-${i}`, ...receiptBody(t) })) };
    const [a, b] = await Promise.all([
      as(app, t.key).post("/v1/transactions/batch", body).set("Idempotency-Key", "batch-2"),
      as(app, t.key).post("/v1/transactions/batch", body).set("Idempotency-Key", "batch-2"),
    ]);
    // One of them ran the batch; the other was told to retry (still running) or, if it came after, got the replay.
    const ran = [a, b].filter((r) => r.status === 200 && r.headers["idempotent-replayed"] === undefined);
    expect(ran).toHaveLength(1);
    expect(ran[0]!.body.summary.created).toBe(30);
    const other = ran[0] === a ? b : a;
    if (other.status === 200) {
      expect(other.headers["idempotent-replayed"]).toBe("true");
      expect(other.body).toEqual(ran[0]!.body);
    } else expect(other.status).toBe(409);
    expect((await auditOf(db, t.merchant.id)).length).toBe(30);
  });
});

describe("POST /v1/transactions/batch — the same rules as PUT", () => {
  /** A record without what differs between two merchants' copies of one receipt. */
  const comparable = (record: Record<string, any>) => {
    const { id: _id, created_at: _c, updated_at: _u, location: _l, customer, employee, line_items, ...rest } = record;
    return {
      ...rest,
      customer: customer && { pos_user: customer.pos_user },
      employee: employee && { pos_id: employee.pos_id },
      line_items: line_items.map(({ product_id, ...line }: Record<string, unknown>) => ({
        ...line,
        linked: product_id !== null,
      })),
    };
  };

  it("when a receipt is written by a batch, then it is stored exactly as PUT stores it", async () => {
    const [a, b] = [await makeTenant(db), await makeTenant(db)];
    for (const t of [a, b]) {
      const product = await makeProduct(db, t.merchant.id, { sku: "SAME-SKU" });
      await makeInventory(
        db,
        { merchantId: t.merchant.id, locationId: t.location.id, productId: product.id },
        { unitCost: "9.8765" },
      );
      await makeCustomer(db, t.merchant.id, { posUser: "same-cust" });
      await makeEmployee(db, t.merchant.id, { posId: "same-emp" });
    }
    const body = (t: typeof a) =>
      receiptBody(t, {
        customer_pos_user: "same-cust",
        employee_pos_id: "same-emp",
        channel: "online",
        lines: [saleLine({ sku: "SAME-SKU", quantity: "1.25" }), saleLine({ sku: "UNKNOWN-SKU", unit_cost: "1.2345" })],
        totals: { total: "113.51" },
      });
    const put = await as(app, a.key).put("/v1/transactions/SAME-1", body(a));
    const batch = await as(app, b.key).post("/v1/transactions/batch", { receipts: [{ pos_id: "SAME-1", ...body(b) }] });
    expect(batch.body.results[0].result, JSON.stringify(batch.body.results)).toBe("created");
    const viaBatch = await as(app, b.key).get(`/v1/transactions/${batch.body.results[0].id}`);
    expect(comparable(viaBatch.body)).toEqual(comparable(put.body));
    const [auditA, auditB] = [await auditOf(db, a.merchant.id), await auditOf(db, b.merchant.id)];
    expect({ ...auditB[0]!.detail, via: null, location_id: null }).toEqual({
      ...auditA[0]!.detail,
      via: null,
      location_id: null,
    });
  });

  it(prose`
    when plain sales name an unknown customer, a voided receipt, or a receipt at a store the key cannot write, then each
    gets PUT's error
  `, async () => {
    const t = await makeTenant(db);
    const other = await makeLocation(db, t.merchant.id);
    await as(app, t.key).put("/v1/transactions/BV-1", receiptBody(t));
    await as(app, t.key).post("/v1/transactions/BV-1/void");
    await as(app, t.key).put("/v1/transactions/BV-2", receiptBody(t, { location_id: other.id }));
    const { key: limited } = await makeKey(db, t.merchant.id, { scopes: ["pos:write"], locationIds: [t.location.id] });
    const res = await as(app, limited).post("/v1/transactions/batch", {
      receipts: [
        { pos_id: "BV-1", ...receiptBody(t, { lines: [saleLine({ quantity: 9 })] }) },
        { pos_id: "BV-2", ...receiptBody(t) },
        { pos_id: "BV-3", ...receiptBody(t, { customer_pos_user: "ghost" }) },
        { pos_id: "BV-4", ...receiptBody(t) },
      ],
    });
    expect(res.body.results.map((r: { result: string; status?: number }) => r.status ?? r.result)).toEqual([
      409,
      404,
      422,
      "created",
    ]);
    expect(res.body.results[2].errors[0]).toMatchObject({
      location: "body.receipts.2.customer_pos_user",
      code: "unknown_customer",
    });
    expect((await receiptRow(db, t.merchant.id, "BV-2")).location_id).toBe(other.id);
  });

  it(prose`
    when a sale with refunds is replaced in a batch, then its quantities are checked against the refunds
  `, async () => {
    const t = await makeTenant(db);
    await as(app, t.key).put("/v1/transactions/BSR-1", receiptBody(t, { lines: [saleLine({ quantity: 3 })] }));
    await as(app, t.key).put(
      "/v1/transactions/BSR-R",
      receiptBody(t, { original_pos_id: "BSR-1", lines: [saleLine({ quantity: -2, discount: 0, tax: 0 })] }),
    );
    const res = await as(app, t.key).post("/v1/transactions/batch", {
      receipts: [{ pos_id: "BSR-1", ...receiptBody(t, { lines: [saleLine({ quantity: 1 })] }) }],
    });
    expect(res.body.results[0]).toMatchObject({
      result: "error",
      status: 422,
      errors: [expect.objectContaining({ code: "refunded_more_than_sold" })],
    });
  });

  it("when a receipt names a customer that an earlier receipt of the batch embeds, then it finds them", async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).post("/v1/transactions/batch", {
      receipts: [
        { pos_id: "BE-1", ...receiptBody(t, { customer: { pos_user: "walk-in-7", first_name: "Lee" } }) },
        { pos_id: "BE-2", ...receiptBody(t, { customer_pos_user: "walk-in-7" }) },
      ],
    });
    expect(
      res.body.results.map((r: { result: string }) => r.result),
      JSON.stringify(res.body.results),
    ).toEqual(["created", "created"]);
    expect((await receiptRow(db, t.merchant.id, "BE-2")).customer_id).toBe(
      (await receiptRow(db, t.merchant.id, "BE-1")).customer_id,
    );
  });

  it(prose`
    when the database refuses a value of one receipt, then the bulk write falls back to one by one: that receipt is a
    400 and the others are written
  `, async () => {
    const t = await makeTenant(db);
    const product = await makeProduct(db, t.merchant.id, { sku: "COSTLY" });
    // Its stock's unit cost fits its column, but × 999,999 units the receipt's cost does not fit NUMERIC(14,4).
    await makeInventory(
      db,
      { merchantId: t.merchant.id, locationId: t.location.id, productId: product.id },
      { unitCost: "99999999.9999" },
    );
    const res = await as(app, t.key).post("/v1/transactions/batch", {
      receipts: [
        { pos_id: "BO-1", ...receiptBody(t) },
        {
          pos_id: "BO-2",
          ...receiptBody(t, {
            lines: [saleLine({ sku: "COSTLY", unit_price: "1.00", quantity: 999999, discount: 0, tax: 0 })],
          }),
        },
        { pos_id: "BO-3", ...receiptBody(t) },
      ],
    });
    expect(res.body.results.map((r: { result: string; status?: number }) => r.status ?? r.result)).toEqual([
      "created",
      400,
      "created",
    ]);
    expect(await receiptRow(db, t.merchant.id, "BO-2")).toBeNull();
  });

  it(prose`
    when two batches with the same receipts in different versions and orders run at once, then each receipt ends with
    one whole version
  `, async () => {
    const t = await makeTenant(db);
    const version = (v: number, order: number[]) => ({
      receipts: order.map((i) => ({
        pos_id: `BX-${i}`,
        ...receiptBody(t, {
          lines: [saleLine({ sku: `V${v}-a`, quantity: v }), saleLine({ sku: `V${v}-b`, quantity: v })],
        }),
      })),
    });
    const order = Array.from({ length: 40 }, (_, i) => i);
    const answers = await Promise.all([
      as(app, t.key).post("/v1/transactions/batch", version(1, order)),
      as(app, t.key).post("/v1/transactions/batch", version(2, [...order].reverse())),
      as(app, t.key).post("/v1/transactions/batch", version(3, order)),
    ]);
    for (const a of answers) expect(a.body.summary.error).toBe(0);
    const { rows } = await db.pool.query(
      `SELECT t.pos_id, array_agg(l.sku ORDER BY l.line_number) AS skus, t.subtotal::text
         FROM transactions t JOIN line_items l ON l.transaction_id = t.id WHERE t.merchant_id = $1 GROUP BY t.id`,
      [t.merchant.id],
    );
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      const v = Number(row.skus[0].slice(1, 2));
      expect(row.skus).toEqual([`V${v}-a`, `V${v}-b`]);
      expect(row.subtotal).toBe(`${70 * v}.00`);
    }
  });
});
