import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation } from "../helpers/factories.js";
import {
  as,
  auditOf,
  feedTip,
  makeTenant,
  pollFrom,
  receiptBody,
  receiptRow,
  saleLine,
  type Tenant,
} from "./helpers.js";

const { app, db } = await createTestApp();

const item = (t: Tenant, overrides: Record<string, unknown> = {}) => ({
  location_id: t.location.id,
  sku: "INV-1",
  pos_product_id: "prod-1",
  name: "Blue Dream 3.5g",
  brand: "Good Farms",
  category: "Flower",
  parent_category: "Cannabis",
  thc_percent: "21.5",
  custom_attributes: [{ parent: "Effects", key: "mood", value: "calm" }],
  quantity: 25,
  unit_cost: "12.5",
  sale_price: 35,
  msrp: "40.00",
  total_tax: "5.25",
  ...overrides,
});

const stockRow = async (t: Tenant, sku: string, locationId = t.location.id) =>
  (
    await db.pool.query(
      `SELECT i.quantity::text, i.unit_cost::text, i.in_stock, i.saleable,
              to_char(i.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_text
         FROM inventory_items i JOIN products p ON p.id = i.product_id
        WHERE p.merchant_id = $1 AND p.sku = $2 AND i.location_id = $3`,
      [t.merchant.id, sku, locationId],
    )
  ).rows[0] ?? null;

describe("PUT /v1/inventory", () => {
  it(prose`
    when new items are reported, then products and stock are created, audited, and served by the inventory feed
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    const tip = await feedTip(client, "/v1/inventory");
    const res = await client.put("/v1/inventory", {
      items: [item(t), item(t, { sku: "INV-2", name: "Gummies", quantity: 0, custom_attributes: undefined })],
    });
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(res.body.results[0]).toMatchObject({ sku: "INV-1", location_id: t.location.id, result: "created" });
    const seen = await pollFrom(client, "/v1/inventory", tip);
    expect(seen.map((r) => r.sku).sort()).toEqual(["INV-1", "INV-2"]);
    expect(seen.find((r) => r.sku === "INV-1")).toMatchObject({
      id: res.body.results[0].id,
      pos_product_id: "prod-1",
      thc_percent: "21.5",
      custom_attributes: [{ parent: "Effects", key: "mood", value: "calm" }],
      quantity: "25",
      unit_cost: "12.50",
      sale_price: "35.00",
      in_stock: true,
      location: { id: t.location.id },
    });
    expect(seen.find((r) => r.sku === "INV-2")).toMatchObject({
      quantity: "0",
      in_stock: false,
      custom_attributes: [],
    });
    const audit = await auditOf(db, t.merchant.id);
    expect(audit.filter((a) => a.entity === "product")).toHaveLength(2);
    expect(audit.filter((a) => a.entity === "inventory_item")).toHaveLength(2);
  });

  it(prose`
    when the same items are reported again, then nothing changes, not even their change time, and the feed has nothing
    new
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    await client.put("/v1/inventory", { items: [item(t)] });
    const before = await stockRow(t, "INV-1");
    const tip = await feedTip(client, "/v1/inventory");
    const again = await client.put("/v1/inventory", {
      items: [
        item(t, { quantity: "25.000", unit_cost: 12.5, location_id: undefined, location_pos_id: t.location.posId }),
      ],
    });
    expect(again.body.summary).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(await stockRow(t, "INV-1")).toEqual(before);
    expect(await pollFrom(client, "/v1/inventory", tip)).toEqual([]);
  });

  it(prose`
    when stock changes at one store, then only that item moves; when a product field changes, then its items at every
    store move
  `, async () => {
    const t = await makeTenant(db);
    const second = await makeLocation(db, t.merchant.id);
    const client = as(app, t.key);
    await client.put("/v1/inventory", { items: [item(t), item(t, { location_id: second.id })] });
    const tip = await feedTip(client, "/v1/inventory");
    const stock = await client.put("/v1/inventory", {
      items: [item(t, { quantity: 24 }), item(t, { location_id: second.id })],
    });
    expect(stock.body.results.map((r: { result: string }) => r.result)).toEqual(["updated", "unchanged"]);
    const afterStock = await pollFrom(client, "/v1/inventory", tip);
    expect(afterStock.map((r) => [r.location.id, r.quantity])).toEqual([[t.location.id, "24"]]);

    const tip2 = await feedTip(client, "/v1/inventory");
    const renamed = await client.put("/v1/inventory", {
      items: [item(t, { quantity: 24, name: "Blue Dream 3.5g (new)" })],
    });
    expect(renamed.body.results[0].result).toBe("updated");
    const afterRename = await pollFrom(client, "/v1/inventory", tip2);
    expect(afterRename.map((r) => [r.location.id, r.name]).sort()).toEqual(
      [
        [t.location.id, "Blue Dream 3.5g (new)"],
        [second.id, "Blue Dream 3.5g (new)"],
      ].sort(),
    );
  });

  it(prose`
    when a product is created for a sku that receipts already sold, then those lines link to it; later receipts take its
    store's cost
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    await client.put("/v1/transactions/EARLY-1", receiptBody(t, { lines: [saleLine({ sku: "LATE-SKU" })] }));
    expect((await receiptRow(db, t.merchant.id, "EARLY-1")).lines[0].product_id).toBeNull();
    const res = await client.put("/v1/inventory", { items: [item(t, { sku: "LATE-SKU", unit_cost: "11.1111" })] });
    const { rows } = await db.pool.query("SELECT id FROM products WHERE merchant_id = $1 AND sku = 'LATE-SKU'", [
      t.merchant.id,
    ]);
    const early = await receiptRow(db, t.merchant.id, "EARLY-1");
    expect(early.lines[0]).toMatchObject({ product_id: rows[0].id, unit_cost: null });
    expect(res.status).toBe(200);
    const later = await client.put(
      "/v1/transactions/LATER-1",
      receiptBody(t, { lines: [saleLine({ sku: "LATE-SKU" })] }),
    );
    expect(later.body.line_items[0]).toMatchObject({
      product_id: rows[0].id,
      unit_cost: "11.1111",
      stock_on_hand: "25.000",
    });
  });

  it(prose`
    when receipts of new skus and the inventory creating them are written at the same moment, then every line ends
    linked
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    const skus = Array.from({ length: 24 }, (_, i) => `RACE-SKU-${i}`);
    const receipts = skus.map((sku, i) =>
      client.put(`/v1/transactions/RACE-LINK-${i}`, receiptBody(t, { lines: [saleLine({ sku })] })),
    );
    const inventory = client.put("/v1/inventory", { items: skus.map((sku) => item(t, { sku })) });
    const answers = await Promise.all([...receipts, inventory]);
    expect(answers.every((a) => a.status === 200 || a.status === 201)).toBe(true);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS unlinked FROM line_items WHERE merchant_id = $1 AND product_id IS NULL",
      [t.merchant.id],
    );
    expect(rows[0].unlinked).toBe(0);
  });

  it(prose`
    when an item has negative stock, an unknown store, or repeats a sku at a store, then 422 listing every issue, and
    nothing is written
  `, async () => {
    const t = await makeTenant(db);
    const res = await as(app, t.key).put("/v1/inventory", {
      items: [
        item(t, { sku: "OK-1" }),
        item(t, { sku: "NEG", quantity: -1, sale_price: "-1" }),
        item(t, { sku: "NOWHERE", location_id: undefined, location_pos_id: "nowhere" }),
        item(t, { sku: "OK-1" }),
        item(t, { sku: "OK-1", name: "Other name", location_id: (await makeLocation(db, t.merchant.id)).id }),
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { location: string; code: string }) => [e.location, e.code])).toEqual([
      ["body.items.1.quantity", "negative_stock"],
      ["body.items.1.sale_price", "negative_amount"],
      ["body.items.2.location_pos_id", "unknown_location"],
      ["body.items.3.sku", "duplicate_item"],
      ["body.items.4", "conflicting_product"],
    ]);
    expect((await db.pool.query("SELECT 1 FROM products WHERE merchant_id = $1", [t.merchant.id])).rowCount).toBe(0);
  });

  it("when types are wrong, a required field is missing, or there are too many items, then 400", async () => {
    const t = await makeTenant(db);
    const bad = await as(app, t.key).put("/v1/inventory", {
      items: [item(t, { quantity: "lots", name: undefined, in_stock: "yes", colour: "red" })],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { location: string }) => e.location).sort()).toEqual(
      ["body.items.0.colour", "body.items.0.in_stock", "body.items.0.name", "body.items.0.quantity"].sort(),
    );
    const tooMany = await as(app, t.key).put("/v1/inventory", {
      items: Array.from({ length: 501 }, (_, i) => item(t, { sku: `S${i}` })),
    });
    expect(tooMany.status).toBe(400);
  });

  it(prose`
    when the key is limited to another store or lacks pos:write, then that store is unknown (422) or the call is refused
    (403)
  `, async () => {
    const t = await makeTenant(db);
    const other = await makeLocation(db, t.merchant.id);
    const { key: limited } = await makeKey(db, t.merchant.id, { scopes: ["pos:write"], locationIds: [other.id] });
    const res = await as(app, limited).put("/v1/inventory", { items: [item(t)] });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ location: "body.items.0.location_id", code: "unknown_location" });
    const { key: reader } = await makeKey(db, t.merchant.id, { scopes: ["inventory:read"] });
    expect((await as(app, reader).put("/v1/inventory", { items: [item(t)] })).status).toBe(403);
  });
});
