import request from "supertest";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/app.js";
import { makeInventory, makeKey, makeLocation, makeMerchant, makeProduct } from "../helpers/factories.js";

const { app, db } = await createTestApp();

describe("GET /v1/inventory?format=aiq", () => {
  it("when asked for AIQ's shape, then each item is a createUpdateInventory item with location, cost and margin", async () => {
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
    const item = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: product.id }, {
      quantity: "5",
      unitCost: "18.2500",
      salePrice: "30.00",
      msrp: "12.56",
      totalTax: "15.50",
    });
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
    const bareItem = await makeInventory(db, { merchantId: merchant.id, locationId: location.id, productId: bare.id }, {
      unitCost: null,
      msrp: null,
      totalTax: null,
      inStock: false,
      saleable: false,
      deletedAt: new Date("2026-06-01T00:00:00Z"),
    });
    const { key } = await makeKey(db, merchant.id, { scopes: ["inventory:read"] });

    const res = await request(app).get("/v1/inventory").set("x-apikey", key).query({ format: "aiq" });
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
    expect(res.body).toMatchObject({ has_more: false, next_cursor: expect.any(String), complete_through: expect.any(String) });
  });
});
