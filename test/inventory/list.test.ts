import pg from "pg";
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeInventory, makeKey, makeLocation, makeMerchant, makeProduct } from "../helpers/factories.js";

const { app, db } = await createTestApp();

async function store() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { name: "Muffins Miami", posId: "store-7" });
  const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"] });
  return { merchant, location, key };
}

const list = (key: string, query: Record<string, string | number> = {}) =>
  request(app).get("/v1/inventory").set("x-apikey", key).query(query);
const ids = (res: request.Response) => res.body.data.map((x: { id: string }) => x.id);

async function walk(key: string, query: Record<string, string | number>) {
  const served: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const res = await list(key, { ...query, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    served.push(...ids(res));
    if (!res.body.has_more) return served;
    cursor = res.body.next_cursor;
  }
}

describe("GET /v1/inventory — records", () => {
  it(prose`
    when a product is stocked at a location, then the item carries every product field and the location's exact figures
  `, async () => {
    const { merchant, location, key } = await store();
    const product = await makeProduct(db, merchant.id, {
      sku: "100050",
      posProductId: "mu-ch-pr-100050",
      name: "Chemdawg 2g",
      brand: "Muffins",
      category: "Muffins Pre Rolls",
      parentCategory: "Pre Rolls",
      variant: "2g",
      size: "2g",
      strain: "Chemdawg",
      species: "hybrid",
      grade: "A",
      barcode: "0123456789012",
      url: "https://example.com/chemdawg",
      imageUrl: "https://example.com/chemdawg.png",
      description: "Two grams.",
      supplierName: "Good Farms",
      supplierId: "42",
      currency: "USD",
      thcPercent: "21.500",
      cbdPercent: "0.100",
      customAttributes: [{ parent: "Effects", key: "mood", value: "calm" }],
    });
    const item = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: product.id });

    const res = await list(key);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        id: item.id,
        product_id: product.id,
        sku: "100050",
        pos_product_id: "mu-ch-pr-100050",
        name: "Chemdawg 2g",
        brand: "Muffins",
        category: "Muffins Pre Rolls",
        parent_category: "Pre Rolls",
        variant: "2g",
        size: "2g",
        strain: "Chemdawg",
        species: "hybrid",
        grade: "A",
        barcode: "0123456789012",
        url: "https://example.com/chemdawg",
        image_url: "https://example.com/chemdawg.png",
        description: "Two grams.",
        supplier_name: "Good Farms",
        supplier_id: "42",
        currency: "USD",
        thc_percent: "21.5",
        cbd_percent: "0.1",
        custom_attributes: [{ parent: "Effects", key: "mood", value: "calm" }],
        location: { id: location.id, pos_id: "store-7", name: "Muffins Miami" },
        // The factory's stock: 25 at cost 12.5000, price 35.00, msrp 40.00, tax 5.25.
        quantity: "25",
        unit_cost: "12.50",
        sale_price: "35.00",
        msrp: "40.00",
        total_tax: "5.25",
        margin: "22.50",
        margin_percent: "64.29",
        stock_value_at_cost: "312.50",
        stock_value_at_price: "875.00",
        in_stock: true,
        saleable: true,
        archived: false,
        product_archived: false,
        deleted_at: null,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      },
    ]);
    expect(res.body).toMatchObject({
      has_more: false,
      next_cursor: expect.any(String),
      complete_through: expect.any(String),
    });
  });

  it(prose`
    when costs have fractions of a cent, are unknown or the price is 0, then the figures stay exact or are null
  `, async () => {
    const { merchant, location, key } = await store();
    const at = (productId: string) => ({ merchantId: merchant.id, locationId: location.id, productId });
    const [a, b, c] = [
      await makeProduct(db, merchant.id),
      await makeProduct(db, merchant.id),
      await makeProduct(db, merchant.id),
    ];
    await makeInventory(db, at(a.id), { quantity: "3.500", unitCost: "3.3333", salePrice: "10.00" });
    await makeInventory(db, at(b.id), {
      quantity: "2",
      unitCost: null,
      salePrice: "10.00",
      msrp: null,
      totalTax: null,
    });
    await makeInventory(db, at(c.id), { quantity: "0", unitCost: "1.0000", salePrice: "0.00" });

    const res = await list(key);
    const figures = res.body.data.map((x: Record<string, unknown>) => [
      x.quantity,
      x.unit_cost,
      x.sale_price,
      x.margin,
      x.margin_percent,
      x.stock_value_at_cost,
      x.stock_value_at_price,
      x.msrp,
      x.total_tax,
    ]);
    expect(figures).toEqual([
      ["3.5", "3.3333", "10.00", "6.6667", "66.67", "11.66655", "35.00", "40.00", "5.25"],
      ["2", null, "10.00", null, null, null, "20.00", null, null],
      ["0", "1.00", "0.00", "-1.00", null, "0.00", "0.00", "40.00", "5.25"],
    ]);
  });

  it(prose`
    when an item or its product is deleted or archived, then the item is still served, as a tombstone or archived
  `, async () => {
    const { merchant, location, key } = await store();
    const at = (productId: string) => ({ merchantId: merchant.id, locationId: location.id, productId });
    const [a, b] = [await makeProduct(db, merchant.id), await makeProduct(db, merchant.id)];
    const gone = await makeInventory(db, at(a.id), { deletedAt: new Date("2026-05-01T00:00:00Z") });
    await makeInventory(db, at(b.id));
    await db.prisma.product.update({
      where: { id: b.id },
      data: { archived: true, deletedAt: new Date("2026-06-01T00:00:00Z") },
    });

    const res = await list(key);
    expect(
      res.body.data.map((x: Record<string, unknown>) => [x.id === gone.id, x.deleted_at, x.product_archived]),
    ).toEqual([
      [true, "2026-05-01T00:00:00.000000Z", false],
      [false, "2026-06-01T00:00:00.000000Z", true],
    ]);
  });
});

describe("GET /v1/inventory — the change feed", () => {
  it(prose`
    when a product's own fields change, then all its items move forward and come again with the new fields
  `, async () => {
    const { merchant, location, key } = await store();
    const other = await makeLocation(db, merchant.id);
    const product = await makeProduct(db, merchant.id, { name: "Old name" });
    const later = await makeProduct(db, merchant.id);
    const here = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: product.id });
    const there = await makeInventory(db, { merchantId: merchant.id, locationId: other.id, productId: product.id });
    const untouched = await makeInventory(db, {
      merchantId: merchant.id,
      locationId: location.id,
      productId: later.id,
    });
    const first = await list(key);
    expect(ids(first)).toEqual([here.id, there.id, untouched.id]);

    await db.prisma.product.update({ where: { id: product.id }, data: { name: "New name" } });
    const next = await list(key, { cursor: first.body.next_cursor });
    expect(next.body.data.map((x: { id: string; name: string }) => [x.id, x.name]).sort()).toEqual(
      [
        [here.id, "New name"],
        [there.id, "New name"],
      ].sort(),
    );
  });

  it(prose`
    when walked one at a time while stock changes and items are added, then every item comes once in order, changed ones
    again later
  `, async () => {
    const { merchant, location, key } = await store();
    const items = [];
    for (let i = 0; i < 4; i++) {
      const product = await makeProduct(db, merchant.id);
      items.push(await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: product.id }));
    }
    const page1 = await list(key, { limit: 1 });
    await db.prisma.inventoryItem.update({ where: { id: items[0]!.id }, data: { quantity: "24" } });
    await db.prisma.inventoryItem.update({ where: { id: items[2]!.id }, data: { quantity: "23" } });
    const product = await makeProduct(db, merchant.id);
    const added = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: product.id });

    const rest = await walk(key, { limit: 1, cursor: page1.body.next_cursor });
    expect([...ids(page1), ...rest]).toEqual([
      items[0]!.id,
      items[1]!.id,
      items[3]!.id,
      items[0]!.id,
      items[2]!.id,
      added.id,
    ]);
  });

  it("when a stock write commits after a poll, then the next poll still serves it (lossless)", async () => {
    const { merchant, location, key } = await store();
    const product = await makeProduct(db, merchant.id);
    const item = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: product.id });
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    try {
      await writer.query("BEGIN");
      await writer.query("UPDATE inventory_items SET quantity = 7 WHERE id = $1", [item.id]);
      const second = await makeProduct(db, merchant.id);
      const after = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: second.id });
      const poll = await list(key);
      expect(ids(poll)).not.toContain(after.id);
      await writer.query("COMMIT");
      const next = await list(key, { cursor: poll.body.next_cursor });
      expect(next.body.data.map((x: { id: string; quantity: string }) => [x.id, x.quantity])).toEqual([
        [item.id, "7"],
        [after.id, "25"],
      ]);
    } finally {
      await writer.end();
    }
  });

  it("when a page holds many items, then it costs the same number of queries as a page of one", async () => {
    const { merchant, location, key } = await store();
    for (let i = 0; i < 20; i++) {
      const product = await makeProduct(db, merchant.id);
      await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: product.id });
    }
    const queries = vi.spyOn(db.pool, "query");
    // The key's lookup (with the feed's horizon) and the page; the record of the key's use (once a minute) is not
    // counted.
    const listQueries = () =>
      queries.mock.calls
        .map(([q]) => String(typeof q === "string" ? q : (q as { text: string }).text))
        .filter((sql) => !sql.startsWith('update "api_keys"'));
    try {
      await list(key, { limit: 1 });
      expect(listQueries()).toHaveLength(2);
      queries.mockClear();
      const many = await list(key, { limit: 20 });
      expect(many.body.data).toHaveLength(20);
      expect(listQueries()).toHaveLength(2);
    } finally {
      queries.mockRestore();
    }
  });
});

describe("GET /v1/inventory — filters", () => {
  it("when location_id, sku or in_stock are given, then only matching items come, and they combine", async () => {
    const { merchant, location, key } = await store();
    const other = await makeLocation(db, merchant.id);
    const [a, b] = [
      await makeProduct(db, merchant.id, { sku: "A-1" }),
      await makeProduct(db, merchant.id, { sku: "B-1" }),
    ];
    const aHere = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: a.id });
    const aThere = await makeInventory(
      db,
      { merchantId: merchant.id, locationId: other.id, productId: a.id },
      { inStock: false, quantity: "0" },
    );
    const bHere = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: b.id });

    expect(ids(await list(key, { location_id: location.id }))).toEqual([aHere.id, bHere.id]);
    expect(ids(await list(key, { sku: "A-1" }))).toEqual([aHere.id, aThere.id]);
    expect(ids(await list(key, { in_stock: "false" }))).toEqual([aThere.id]);
    expect(ids(await list(key, { in_stock: "true", sku: "A-1" }))).toEqual([aHere.id]);
    expect(ids(await list(key, { sku: "a-1" }))).toEqual([]);
    const walked = await walk(key, { location_id: location.id, limit: 1 });
    expect(walked).toEqual([aHere.id, bHere.id]);
  });
});
