import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeInventory, makeKey, makeLocation, makeMerchant, makeProduct } from "../helpers/factories.js";

const { app, db } = await createTestApp();

describe("GET /v1/inventory?format=aiq", () => {
  it(prose`
    when asked for AIQ's shape, then each item is a createUpdateInventory item with location, cost and margin
  `, async () => {
    const merchant = await makeMerchant(db);
    const location = await makeLocation(db, merchant.id, { name: "Muffins Miami" });
    const product = await makeProduct(db, merchant.id, {
      sku: "100050",
      posProductId: "mu-ch-pr-100050",
      name: "Chemdawg 2g",
      brand: "Muffins",
      category: "Muffins Pre Rolls",
      parentCategory: "Pre Rolls",
      variant: "2g",
      barcode: "0123456789012",
      url: "https://example.com/chemdawg",
      imageUrl: "https://example.com/chemdawg.png",
      description: "Two grams.",
      supplierName: "Good Farms",
      supplierId: "42",
      thcPercent: "12.000",
      cbdPercent: "1.000",
      customAttributes: [{ parent: "Effects", key: "mood", value: "calm" }],
    });
    const item = await makeInventory(
      db,
      { merchantId: merchant.id, locationId: location.id, productId: product.id },
      {
        quantity: "5",
        unitCost: "18.2500",
        salePrice: "30.00",
        msrp: "12.56",
        totalTax: "15.50",
      },
    );
    const bare = await makeProduct(db, merchant.id, {
      sku: "BARE",
      posProductId: null,
      brand: null,
      category: null,
      parentCategory: null,
      size: null,
      strain: null,
      grade: null,
      species: null,
    });
    const bareItem = await makeInventory(
      db,
      { merchantId: merchant.id, locationId: location.id, productId: bare.id },
      {
        unitCost: null,
        msrp: null,
        totalTax: null,
        inStock: false,
        saleable: false,
        deletedAt: new Date("2026-06-01T00:00:00Z"),
      },
    );
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"] });

    const res = await request(app)
      .get("/v1/inventory")
      .set("x-apikey", key)
      .query({ format: "aiq", location_id: location.id });
    expect(res.status).toBe(200);
    const seconds = (date: Date) => String(Math.floor(date.getTime() / 1000));
    expect(res.body.data).toEqual([
      {
        id: item.id,
        sku: "100050",
        productId: "mu-ch-pr-100050",
        category: "Muffins Pre Rolls",
        parentCategory: "Pre Rolls",
        name: "Chemdawg 2g",
        brand: "Muffins",
        variant: "2g",
        barcode: "0123456789012",
        url: "https://example.com/chemdawg",
        imageUrl: "https://example.com/chemdawg.png",
        description: "Two grams.",
        supplierName: "Good Farms",
        supplierId: "42",
        currency: "USD",
        customAttributes: [{ parent: "Effects", key: "mood", value: "calm" }],
        totalTax: "15.50",
        dateUpdated: seconds(item.updatedAt),
        dateAdded: seconds(item.createdAt),
        msrp: "12.56",
        quantity: "5",
        thc: "12",
        cbd: "1",
        salesPrice: "30.00",
        inStock: true,
        isSaleable: true,
        isArchived: false,
        location: "Muffins Miami",
        locationId: location.id,
        unitCost: "18.25",
        margin: "11.75",
        marginPercent: "39.17",
      },
      {
        // Unknown fields are left out, never null; a tombstone is archived for AIQ.
        id: bareItem.id,
        sku: "BARE",
        productId: bare.id,
        name: bare.name,
        currency: "USD",
        customAttributes: [],
        dateUpdated: seconds(bareItem.updatedAt),
        dateAdded: seconds(bareItem.createdAt),
        quantity: "25",
        salesPrice: "35.00",
        inStock: false,
        isSaleable: false,
        isArchived: true,
        location: "Muffins Miami",
        locationId: location.id,
      },
    ]);
    expect(res.body).toMatchObject({
      has_more: false,
      next_cursor: expect.any(String),
      complete_through: expect.any(String),
    });
  });

  it(prose`
    when one SKU is stocked at two stores, then format=aiq serves each store on its own, so no SKU appears twice in what
    AIQ is posted
  `, async () => {
    const merchant = await makeMerchant(db);
    const [north, south] = [await makeLocation(db, merchant.id), await makeLocation(db, merchant.id)];
    const product = await makeProduct(db, merchant.id, { sku: "SHARED-1" });
    const atNorth = await makeInventory(
      db,
      { merchantId: merchant.id, locationId: north.id, productId: product.id },
      { quantity: "4" },
    );
    const atSouth = await makeInventory(
      db,
      { merchantId: merchant.id, locationId: south.id, productId: product.id },
      { quantity: "9" },
    );
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"] });

    const north_ = await request(app)
      .get("/v1/inventory")
      .set("x-apikey", key)
      .query({ format: "aiq", location_id: north.id });
    const south_ = await request(app)
      .get("/v1/inventory")
      .set("x-apikey", key)
      .query({ format: "aiq", location_id: south.id });
    expect(
      north_.body.data.map((i: { id: string; sku: string; quantity: string }) => [i.id, i.sku, i.quantity]),
    ).toEqual([[atNorth.id, "SHARED-1", "4"]]);
    expect(
      south_.body.data.map((i: { id: string; sku: string; quantity: string }) => [i.id, i.sku, i.quantity]),
    ).toEqual([[atSouth.id, "SHARED-1", "9"]]);
  });

  it(prose`
    when format=aiq comes without location_id or with more than 100 items a page, then 400 naming both (AIQ takes one
    store, 100 items a call)
  `, async () => {
    const merchant = await makeMerchant(db);
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"] });
    const res = await request(app).get("/v1/inventory").set("x-apikey", key).query({ format: "aiq", limit: 101 });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { location: string }) => e.location).sort()).toEqual([
      "query.limit",
      "query.location_id",
    ]);
    const standard = await request(app).get("/v1/inventory").set("x-apikey", key).query({ limit: 1000 });
    expect(standard.status).toBe(200);
    const exported = await request(app).get("/v1/export/inventory").set("x-apikey", key).query({ shape: "aiq" });
    expect(exported.status).toBe(400);
    expect(exported.body.errors.map((e: { location: string }) => e.location)).toEqual(["query.location_id"]);
  });
});
