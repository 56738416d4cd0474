import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeInventory, makeKey, makeLocation, makeProduct } from "../helpers/factories.js";
import { as, auditOf, feedTip, makeTenant, pollFrom, receiptBody, receiptRow, saleLine } from "./helpers.js";

const { app, db } = await createTestApp();

describe("PUT /v1/transactions/{pos_id}", () => {
  it(prose`
    when a receipt is new, then 201 with the record: totals computed from the lines, local business date, an audit entry
  `, async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put(
      "/v1/transactions/R-1",
      receiptBody(t, {
        lines: [
          saleLine(),
          saleLine({ sku: "SKU-PR", name: "Pre-roll", unit_price: 12.5, quantity: "1.5", discount: 0, tax: "1.10" }),
        ],
      }),
    );
    expect(res.status).toBe(201);
    expect(res.headers["write-result"]).toBe("created");
    expect(res.headers.location).toBe(`/v1/transactions/${res.body.id}`);
    expect(res.body).toMatchObject({
      pos_id: "R-1",
      kind: "sale",
      status: "completed",
      channel: "in_store",
      business_date: "2026-03-01",
      transacted_at: "2026-03-02T01:30:00.000000Z",
      location: { id: t.location.id },
      original_transaction: null,
      customer: null,
      // 70.00 + round(12.50 × 1.5 = 18.75) = 88.75; − 5.00 + 4.88 + 1.10 = 89.73
      totals: { subtotal: "88.75", discount: "5.00", tax: "5.98", total: "89.73", cost: null },
    });
    expect(
      res.body.line_items.map((l: { sku: string; line_total: string; quantity: string }) => [
        l.sku,
        l.quantity,
        l.line_total,
      ]),
    ).toEqual([
      ["SKU-BD-35", "2.000", "69.88"],
      ["SKU-PR", "1.500", "19.85"],
    ]);
    expect(await auditOf(db, t.merchant.id)).toEqual([
      expect.objectContaining({
        action: "create",
        entity: "transaction",
        entity_id: res.body.id,
        api_key_id: t.keyId,
        detail: expect.objectContaining({ pos_id: "R-1", lines: 2, total: "89.73" }),
      }),
    ]);
  });

  it(prose`
    when the same receipt is PUT twice, then it is stored once with one change: same lines, same change time
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    const first = await client.put("/v1/transactions/R-2", receiptBody(t));
    const before = await receiptRow(db, t.merchant.id, "R-2");
    // The same receipt written differently: keys reordered, amounts as numbers, another offset.
    const again = await client.put("/v1/transactions/R-2", {
      lines: [
        {
          tax: 4.88,
          discount: 5,
          quantity: "2.000",
          unit_price: 35,
          category: "Flower",
          brand: "Good Farms",
          name: "Blue Dream 3.5g",
          sku: "SKU-BD-35",
        },
      ],
      transacted_at: "2026-03-02T01:30:00Z",
      location_pos_id: t.location.posId,
    });
    expect(again.status).toBe(200);
    expect(again.headers["write-result"]).toBe("unchanged");
    expect(again.body.updated_at).toBe(first.body.updated_at);
    expect(await receiptRow(db, t.merchant.id, "R-2")).toEqual(before);
    expect(
      (await db.pool.query("SELECT count(*)::int AS n FROM transactions WHERE merchant_id = $1", [t.merchant.id]))
        .rows[0].n,
    ).toBe(1);
    expect(await auditOf(db, t.merchant.id)).toHaveLength(1);
  });

  it(prose`
    when a different body is PUT, then the receipt and all its lines are replaced and its change time moves forward
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    const first = await client.put(
      "/v1/transactions/R-3",
      receiptBody(t, { lines: [saleLine(), saleLine({ sku: "X" })] }),
    );
    const second = await client.put("/v1/transactions/R-3", receiptBody(t, { lines: [saleLine({ quantity: 3 })] }));
    expect(second.status).toBe(200);
    expect(second.headers["write-result"]).toBe("updated");
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.line_items).toHaveLength(1);
    expect(second.body.totals.subtotal).toBe("105.00");
    expect(second.body.updated_at > first.body.updated_at).toBe(true);
    expect(
      (await db.pool.query("SELECT count(*)::int AS n FROM line_items WHERE transaction_id = $1", [first.body.id]))
        .rows[0].n,
    ).toBe(1);
  });

  it(prose`
    when a line's sku is known, then it links to the product and takes the store's unit cost; an unknown sku is still
    accepted, unlinked
  `, async () => {
    const t = await makeTenant(db);
    const product = await makeProduct(db, t.merchant.id, { sku: "KNOWN-1" });
    await makeInventory(
      db,
      { merchantId: t.merchant.id, locationId: t.location.id, productId: product.id },
      { unitCost: "12.3456" },
    );
    const res = await as(app, t.key).put(
      "/v1/transactions/R-4",
      receiptBody(t, { lines: [saleLine({ sku: "KNOWN-1", quantity: 2 }), saleLine({ sku: "NEW-1" })] }),
    );
    expect(res.status).toBe(201);
    const row = await receiptRow(db, t.merchant.id, "R-4");
    expect(
      row.lines.map((l: { sku: string; product_id: string | null; unit_cost: string | null }) => [
        l.sku,
        l.product_id,
        l.unit_cost,
      ]),
    ).toEqual([
      ["KNOWN-1", product.id, "12.3456"],
      ["NEW-1", null, null],
    ]);
    expect(row.cost_total).toBeNull();
    expect(res.body.line_items[1]).toMatchObject({
      sku: "NEW-1",
      name: "Blue Dream 3.5g",
      brand: "Good Farms",
      product_id: null,
    });
  });

  it("when every line has a unit cost, then the cost total is their exact sum", async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put(
      "/v1/transactions/R-5",
      receiptBody(t, {
        lines: [
          saleLine({ unit_cost: "10.0001", quantity: 3 }),
          saleLine({ sku: "B", unit_cost: 0.1, quantity: "0.333" }),
        ],
      }),
    );
    // 30.0003 + round(0.0333, 4) = 30.0336
    expect(res.body.totals.cost).toBe("30.0336");
  });

  it(prose`
    when the POS's totals match the lines, then they are accepted; when any differs by a cent, then 422 naming each, and
    nothing is stored
  `, async () => {
    const t = await makeTenant(db);
    const ok = await as(app, t.key).put(
      "/v1/transactions/R-6",
      receiptBody(t, { totals: { subtotal: "70.00", discount: 5, tax: "4.88", total: "69.88" } }),
    );
    expect(ok.status).toBe(201);
    const bad = await as(app, t.key).put(
      "/v1/transactions/R-7",
      receiptBody(t, { totals: { subtotal: "70.00", tax: "4.87", total: "69.89" } }),
    );
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { location: "body.totals.tax", message: "tax is 4.87 but the lines add up to 4.88.", code: "totals_mismatch" },
      {
        location: "body.totals.total",
        message: "total is 69.89 but the lines add up to 69.88.",
        code: "totals_mismatch",
      },
    ]);
    expect(await receiptRow(db, t.merchant.id, "R-7")).toBeNull();
  });

  it(prose`
    when the body has wrong types, missing and unknown fields, then 400 listing every issue, and nothing is stored
  `, async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put("/v1/transactions/R-8", {
      location_id: t.location.id,
      transacted_at: "yesterday",
      lines: [{ sku: "A", unit_price: "12.345", quantity: "two", colour: "green" }],
      tip: 5,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { location: string }) => e.location).sort()).toEqual(
      [
        "body.lines.0.colour",
        "body.lines.0.name",
        "body.lines.0.quantity",
        "body.lines.0.unit_price",
        "body.tip",
        "body.transacted_at",
      ].sort(),
    );
    expect(await receiptRow(db, t.merchant.id, "R-8")).toBeNull();
  });

  it(prose`
    when neither or both store fields are sent, then 400; when the store is unknown, then 422 naming the field
  `, async () => {
    const t = await makeTenant(db);
    const { location_id: _, ...noStore } = receiptBody(t);
    expect((await as(app, t.key).put("/v1/transactions/R-9", noStore)).status).toBe(400);
    expect(
      (
        await as(app, t.key).put("/v1/transactions/R-9", {
          ...noStore,
          location_id: t.location.id,
          location_pos_id: t.location.posId,
        })
      ).status,
    ).toBe(400);
    const unknown = await as(app, t.key).put("/v1/transactions/R-9", { ...noStore, location_pos_id: "nowhere" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      expect.objectContaining({ location: "body.location_pos_id", code: "unknown_location" }),
    ]);
  });

  it("when a sale has a negative quantity or a negative discount, then 422 naming each line", async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put(
      "/v1/transactions/R-10",
      receiptBody(t, {
        lines: [saleLine({ quantity: -1 }), saleLine({ discount: "-1.00" }), saleLine({ quantity: 0 })],
      }),
    );
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { location: string }) => e.location)).toEqual([
      "body.lines.0.quantity",
      "body.lines.1.discount",
      "body.lines.2.quantity",
    ]);
  });

  it(prose`
    when the customer is named by pos_user, then the receipt links them; an unknown one is a 422; an embedded one is
    created
  `, async () => {
    const t = await makeTenant(db);
    const c = await makeCustomer(db, t.merchant.id, { posUser: "cust-9" });
    const linked = await as(app, t.key).put("/v1/transactions/R-11", receiptBody(t, { customer_pos_user: "cust-9" }));
    expect(linked.body.customer).toMatchObject({ id: c.id, pos_user: "cust-9" });
    const unknown = await as(app, t.key).put(
      "/v1/transactions/R-12",
      receiptBody(t, { customer_pos_user: "nobody", employee_pos_id: "nobody" }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors.map((e: { location: string }) => e.location)).toEqual([
      "body.customer_pos_user",
      "body.employee_pos_id",
    ]);
    const embedded = await as(app, t.key).put(
      "/v1/transactions/R-13",
      receiptBody(t, {
        customer: { pos_user: "cust-new", phone: "303 555 0177", email: "NEW@x.com" },
        employee: { pos_id: "emp-1", first_name: "Sam" },
        channel: "online",
      }),
    );
    expect(embedded.status).toBe(201);
    expect(embedded.body).toMatchObject({
      channel: "online",
      customer: { pos_user: "cust-new", phone: "+13035550177", email: "new@x.com" },
      employee: { pos_id: "emp-1", name: "Sam" },
    });
    const badPhone = await as(app, t.key).put(
      "/v1/transactions/R-14",
      receiptBody(t, { customer: { pos_user: "cust-x", phone: "123" } }),
    );
    expect(badPhone.status).toBe(422);
    expect(badPhone.body.errors[0].location).toBe("body.customer.phone");
  });

  it(prose`
    when the key is limited to another store, then that store is unknown to it, and a receipt stored there is a 404
  `, async () => {
    const t = await makeTenant(db);
    const other = await makeLocation(db, t.merchant.id);
    const { key: limited } = await makeKey(db, t.merchant.id, {
      scopes: ["pos:write", "transactions:read"],
      locationIds: [other.id],
    });
    const res = await as(app, limited).put("/v1/transactions/R-15", receiptBody(t));
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ location: "body.location_id", code: "unknown_location" });
    await as(app, t.key).put("/v1/transactions/R-16", receiptBody(t));
    const moved = await as(app, limited).put("/v1/transactions/R-16", receiptBody(t, { location_id: other.id }));
    expect(moved.status).toBe(404);
    expect((await receiptRow(db, t.merchant.id, "R-16")).location_id).toBe(t.location.id);
  });

  it("when another merchant uses the same pos_id, then each merchant has its own receipt", async () => {
    const a = await makeTenant(db);
    const b = await makeTenant(db);
    const ra = await as(app, a.key).put("/v1/transactions/SHARED", receiptBody(a));
    const rb = await as(app, b.key).put(
      "/v1/transactions/SHARED",
      receiptBody(b, { lines: [saleLine({ quantity: 1 })] }),
    );
    expect([ra.status, rb.status]).toEqual([201, 201]);
    expect(ra.body.id).not.toBe(rb.body.id);
    expect((await receiptRow(db, a.merchant.id, "SHARED")).total).toBe("69.88");
  });

  it(prose`
    when the key lacks pos:write, then 403; without a key, 401; a text body, 415; a body too large, 413
  `, async () => {
    const t = await makeTenant(db, { scopes: ["transactions:read"] });
    expect((await as(app, t.key).put("/v1/transactions/R-17", receiptBody(t))).status).toBe(403);
    expect((await request(app).put("/v1/transactions/R-17").send(receiptBody(t))).status).toBe(401);
    const w = await makeTenant(db);
    expect(
      (
        await request(app)
          .put("/v1/transactions/R-17")
          .set("x-apikey", w.key)
          .set("content-type", "text/plain")
          .send("hello")
      ).status,
    ).toBe(415);
    const huge = receiptBody(w, {
      lines: Array.from({ length: 500 }, (_, i) => saleLine({ sku: `S-${i}`, name: "x".repeat(2100) })),
    });
    expect((await as(app, w.key).put("/v1/transactions/R-17", huge)).status).toBe(413);
    expect(await receiptRow(db, w.merchant.id, "R-17")).toBeNull();
  });
});

describe("PUT /v1/transactions/{pos_id} — the feed (write, then poll)", () => {
  it(prose`
    when a receipt is written, then a caught-up poller receives it once; an unchanged re-send is not served again; an
    update is
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    const tip = await feedTip(client, "/v1/transactions");
    const created = await client.put("/v1/transactions/F-1", receiptBody(t));
    const afterCreate = await feedTip(client, "/v1/transactions");
    const seen = await pollFrom(client, "/v1/transactions", tip);
    expect(seen.map((r) => [r.pos_id, r.line_items.length, r.totals.total])).toEqual([["F-1", 1, "69.88"]]);
    expect(seen[0]).toEqual(created.body);

    await client.put("/v1/transactions/F-1", receiptBody(t));
    expect(await pollFrom(client, "/v1/transactions", afterCreate)).toEqual([]);

    await client.put("/v1/transactions/F-1", receiptBody(t, { lines: [saleLine({ quantity: 1 })] }));
    const updated = await pollFrom(client, "/v1/transactions", afterCreate);
    expect(updated.map((r) => [r.pos_id, r.totals.subtotal])).toEqual([["F-1", "35.00"]]);
  });
});
