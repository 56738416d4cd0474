// GET /v1/reports/inventory: stock value at cost and at price by location and category, low-stock
// and out-of-stock counts; equal to direct SQL; archived, deleted and other merchants' stock left out.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeInventory, makeKey, makeLocation, makeMerchant, makeProduct } from "../helpers/factories.js";

const { app, db } = await createTestApp();

const merchant = await makeMerchant(db);
const uptown = await makeLocation(db, merchant.id, { name: "Uptown" });
const harbor = await makeLocation(db, merchant.id, { name: "Harbor, East" });
const flower = await makeProduct(db, merchant.id, { category: "Flower" });
const flower2 = await makeProduct(db, merchant.id, { category: "Flower" });
const gummies = await makeProduct(db, merchant.id, { category: "Edibles" });
const mystery = await makeProduct(db, merchant.id, { category: null });
const archived = await makeProduct(db, merchant.id, { category: "Flower", archived: true });
const stock = (locationId: string, productId: string, overrides: Parameters<typeof makeInventory>[2]) =>
  makeInventory(db, { merchantId: merchant.id, locationId, productId }, overrides);

// Uptown: 10.5 g flower (cost 4.1234, price 12.99); 3 flower2 (low); gummies oversold (−2); mystery without cost.
await stock(uptown.id, flower.id, { quantity: "10.500", unitCost: "4.1234", salePrice: "12.99" });
await stock(uptown.id, flower2.id, { quantity: "3.000", unitCost: "10.0000", salePrice: "25.00" });
await stock(uptown.id, gummies.id, { quantity: "-2.000", unitCost: "6.2500", salePrice: "18.00" });
await stock(uptown.id, mystery.id, { quantity: "7.000", unitCost: null, salePrice: "9.99" });
// Harbor: gummies at zero, flower plenty; an archived product's stock and a deleted item are left out.
await stock(harbor.id, gummies.id, { quantity: "0.000", unitCost: "6.2500", salePrice: "18.00" });
await stock(harbor.id, flower.id, { quantity: "40.000", unitCost: "4.1234", salePrice: null });
await stock(harbor.id, archived.id, { quantity: "100.000" });
await stock(harbor.id, flower2.id, { quantity: "100.000", deletedAt: new Date() });

const other = await makeMerchant(db);
const otherStore = await makeLocation(db, other.id);
await makeInventory(db, {
  merchantId: other.id,
  locationId: otherStore.id,
  productId: (await makeProduct(db, other.id)).id,
});

const { key } = await makeKey(db, merchant.id, { scopes: ["reports:read"] });
const { key: harborKey } = await makeKey(db, merchant.id, { scopes: ["reports:read"], locationIds: [harbor.id] });

const report = (query: Record<string, string> = {}, apiKey = key) =>
  request(app).get("/v1/reports/inventory").query(query).set("x-apikey", apiKey);

describe("GET /v1/reports/inventory", () => {
  it("when grouped by location and category, then each row has these exact values", async () => {
    const res = await report();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const row = (location: string, category: string | null) =>
      res.body.data.find((r: any) => r.location_id === location && r.category === category);
    // 10.5 × 4.1234 = 43.2957 and 3 × 10 = 30 → 73.30; 10.5 × 12.99 = 136.395 and 3 × 25 = 75 → 211.40 (rounded once).
    expect(row(uptown.id, "Flower")).toEqual({
      location_id: uptown.id,
      location_name: "Uptown",
      category: "Flower",
      items: 2,
      units_on_hand: "13.500",
      value_at_cost: "73.30",
      value_at_price: "211.40",
      potential_margin: "138.10",
      items_without_cost: 0,
      items_without_price: 0,
      low_stock_items: 1,
      out_of_stock_items: 0,
    });
    expect(row(uptown.id, "Edibles")).toMatchObject({
      items: 1,
      units_on_hand: "0.000",
      value_at_cost: "0.00",
      out_of_stock_items: 1,
      low_stock_items: 0,
    });
    expect(row(uptown.id, null)).toMatchObject({
      items: 1,
      value_at_cost: "0.00",
      value_at_price: "69.93",
      potential_margin: "0.00",
      items_without_cost: 1,
    });
    // Harbor: the archived product and the deleted item are not there.
    expect(row(harbor.id, "Flower")).toMatchObject({
      items: 1,
      units_on_hand: "40.000",
      value_at_cost: "164.94",
      value_at_price: "0.00",
      items_without_price: 1,
    });
    expect(res.body.data.map((r: any) => r.location_name)).toEqual([
      "Harbor, East",
      "Harbor, East",
      "Uptown",
      "Uptown",
      "Uptown",
    ]);
    expect(res.body.totals).toEqual({
      items: 6,
      units_on_hand: "60.500",
      value_at_cost: "238.23",
      value_at_price: "281.33",
      potential_margin: "138.10",
      items_without_cost: 1,
      items_without_price: 1,
      low_stock_items: 1,
      out_of_stock_items: 2,
    });
  });

  it("when compared with a direct SQL sum over the stock, then every location's value agrees to the cent", async () => {
    const res = await report({ group_by: "location" });
    const { rows } = await db.pool.query(
      `SELECT i.location_id::text AS location_id,
        round(sum(greatest(i.quantity, 0) * coalesce(i.unit_cost, 0)), 2)::text AS at_cost,
              round(sum(greatest(i.quantity, 0) * coalesce(i.sale_price, 0)), 2)::text AS at_price
       FROM inventory_items i JOIN products p ON p.id = i.product_id
       WHERE i.merchant_id = $1 AND i.deleted_at IS NULL AND NOT i.archived AND NOT p.archived AND p.deleted_at IS NULL
       GROUP BY 1`,
      [merchant.id],
    );
    expect(res.body.data).toHaveLength(rows.length);
    for (const expected of rows) {
      const got = res.body.data.find((r: any) => r.location_id === expected.location_id);
      expect([got.value_at_cost, got.value_at_price]).toEqual([expected.at_cost, expected.at_price]);
      expect(got.category).toBeNull();
    }
  });

  it(prose`
    when grouped by category, then each category's figures over every store equal a direct SQL sum over its stock
    (rounded once), and every grouping gives the same totals
  `, async () => {
    const res = await report({ group_by: "category" });
    const { rows } = await db.pool.query(
      `SELECT p.category, count(*)::int AS items, round(sum(greatest(i.quantity, 0)), 3)::text AS units,
              round(sum(greatest(i.quantity, 0) * i.unit_cost), 2)::text AS at_cost,
              round(sum(greatest(i.quantity, 0) * i.sale_price), 2)::text AS at_price,
              round(sum(greatest(i.quantity, 0) * (i.sale_price - i.unit_cost)), 2)::text AS margin
       FROM inventory_items i JOIN products p ON p.id = i.product_id
       WHERE i.merchant_id = $1 AND i.deleted_at IS NULL AND NOT i.archived AND NOT p.archived AND p.deleted_at IS NULL
       GROUP BY 1 ORDER BY 1 NULLS LAST`,
      [merchant.id],
    );
    expect(
      res.body.data.map((r: any) => [r.category, r.items, r.units_on_hand, r.value_at_cost, r.value_at_price]),
    ).toEqual(rows.map((r) => [r.category, r.items, r.units, r.at_cost ?? "0.00", r.at_price ?? "0.00"]));
    // Flower over both stores: 10.5 × 8.8666 + 3 × 15 = 138.0993 (Harbor's flower has no price: no margin).
    expect(res.body.data.find((r: any) => r.category === "Flower")).toMatchObject({
      items: 3,
      potential_margin: rows.find((r) => r.category === "Flower").margin,
      items_without_price: 1,
      low_stock_items: 1,
    });
    expect(rows.find((r) => r.category === "Flower").margin).toBe("138.10");
    for (const group_by of ["location_category", "location", "none"])
      expect((await report({ group_by })).body.totals, group_by).toEqual(res.body.totals);
  });

  it("when the threshold is raised, then more items count as low stock; group_by none gives totals only", async () => {
    const res = await report({ low_stock_threshold: "10.5", group_by: "none" });
    expect(res.body.data).toEqual([]);
    expect(res.body.totals.low_stock_items).toBe(3);
    expect(res.body.low_stock_threshold).toBe("10.5");
    const byCategory = await report({ group_by: "category" });
    expect(byCategory.body.data.map((r: any) => r.category)).toEqual(["Edibles", "Flower", null]);
  });

  it("when the key is limited to Harbor, then only Harbor's stock is valued", async () => {
    const res = await report({ group_by: "location" }, harborKey);
    expect(res.body.data.map((r: any) => r.location_id)).toEqual([harbor.id]);
    expect(res.body.totals).toMatchObject({ items: 2, value_at_cost: "164.94" });
    const outside = await report({ location_id: uptown.id }, harborKey);
    expect(outside.body.totals.items).toBe(0);
    expect(outside.body.data).toEqual([]);
  });

  it("when asked for CSV, then the rows with names quoted where they hold a comma", async () => {
    const res = await report({ group_by: "location", format: "csv" });
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toMatch(
      /^attachment; filename="?inventory_\d{4}-\d\d-\d\d_by_location\.csv"?$/,
    );
    const lines = res.text.split("\r\n");
    expect(lines[0]).toBe(
      "location_id,location_name,category,items,units_on_hand,value_at_cost,value_at_price,potential_margin," +
        "items_without_cost,items_without_price,low_stock_items,out_of_stock_items",
    );
    expect(lines[1]).toBe(`${harbor.id},"Harbor, East",,2,40.000,164.94,0.00,0.00,0,1,0,1`);
  });

  it(prose`
    when a product's category or state changes, or an item is moved to another product, then the report follows
    at once (each item keeps its product's category and whether it is active, by triggers)
  `, async () => {
    const shop = await makeMerchant(db);
    const store = await makeLocation(db, shop.id);
    const pens = await makeProduct(db, shop.id, { category: "Vapes" });
    const jars = await makeProduct(db, shop.id, { category: "Flower" });
    await makeInventory(db, { merchantId: shop.id, locationId: store.id, productId: pens.id }, { quantity: "4.000" });
    const { key: shopKey } = await makeKey(db, shop.id, { scopes: ["reports:read"] });
    const categories = async () => {
      const res = await report({ group_by: "category" }, shopKey);
      expect(res.status).toBe(200);
      return res.body.data.map((r: any) => [r.category, r.units_on_hand]);
    };
    expect(await categories()).toEqual([["Vapes", "4.000"]]);

    await db.pool.query("UPDATE products SET category = 'Vape Pens' WHERE id = $1", [pens.id]);
    expect(await categories()).toEqual([["Vape Pens", "4.000"]]);
    await db.pool.query("UPDATE products SET archived = true WHERE id = $1", [pens.id]);
    expect(await categories()).toEqual([]);
    await db.pool.query("UPDATE products SET archived = false, deleted_at = now() WHERE id = $1", [pens.id]);
    expect(await categories()).toEqual([]);
    await db.pool.query("UPDATE inventory_items SET product_id = $1 WHERE product_id = $2", [jars.id, pens.id]);
    expect(await categories()).toEqual([["Flower", "4.000"]]);
    await db.pool.query("UPDATE products SET category = NULL WHERE id = $1", [jars.id]);
    expect(await categories()).toEqual([[null, "4.000"]]);
  });

  it(prose`
    when an item is written while its product's category change is not yet committed, then the item waits for it
    and keeps the new category (a held transaction, not timing)
  `, async () => {
    const shop = await makeMerchant(db);
    const store = await makeLocation(db, shop.id);
    const oils = await makeProduct(db, shop.id, { category: "Oils" });
    const { key: shopKey } = await makeKey(db, shop.id, { scopes: ["reports:read"] });
    const change = await db.pool.connect();
    try {
      await change.query("BEGIN");
      await change.query("UPDATE products SET category = 'Tinctures' WHERE id = $1", [oils.id]);
      let written = false;
      const item = makeInventory(db, { merchantId: shop.id, locationId: store.id, productId: oils.id }).finally(() => {
        written = true;
      });
      // Either the item's write waits on the product's row lock, or (without that lock) it is done already.
      const blocked = async () => {
        while (!written) {
          const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted");
          if (rows[0].n > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await Promise.race([item, blocked()]);
      await change.query("COMMIT");
      await item;
    } finally {
      change.release();
    }
    const res = await report({ group_by: "category" }, shopKey);
    expect(res.body.data.map((r: any) => r.category)).toEqual(["Tinctures"]);
  });

  it("when a parameter is wrong, then 400 naming it", async () => {
    const res = await report({ low_stock_threshold: "-1", group_by: "brand", lowstock: "5" });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.location).sort()).toEqual([
      "query.group_by",
      "query.low_stock_threshold",
      "query.lowstock",
    ]);
  });
});
