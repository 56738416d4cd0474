// The inventory record as GET /v1/inventory serves it: one per (product, location), i.e. one row of
// inventory_items, carrying the product's AIQ fields and that location's stock, cost and price,
// with margin and stock value computed exactly in the database.
import { z } from "zod";

const timestamp = z.string().describe("RFC 3339 UTC timestamp with microseconds.");
const decimal = (what: string) =>
  z
    .string()
    .nullable()
    .describe(
      `${what} Exact decimal string (at least 2 decimals, more only when they are not zero); null when unknown.`,
    );

export const customAttributeSchema = z
  .object({
    parent: z.string().describe("Group of the attribute, e.g. Effects."),
    key: z.string().describe("Name of the attribute."),
    value: z.string().describe("Value of the attribute."),
  })
  .describe("A custom attribute of the product (AIQ customAttributes).");

export const inventoryRecordSchema = z
  .object({
    id: z.uuid().describe("This service's id of the inventory item (one product at one location)."),
    product_id: z.uuid().describe("This service's id of the product."),
    sku: z.string().describe("The product's SKU (AIQ sku)."),
    pos_product_id: z.string().nullable().describe("The POS's product id (AIQ productId); several SKUs may share one."),
    name: z.string().describe("Product name."),
    brand: z.string().nullable().describe("Brand."),
    category: z.string().nullable().describe("Category, e.g. Pre-Rolls."),
    parent_category: z.string().nullable().describe("Parent category, e.g. Flower."),
    variant: z.string().nullable().describe("Variant."),
    size: z.string().nullable().describe("Size, e.g. 3.5g."),
    strain: z.string().nullable().describe("Strain."),
    species: z.string().nullable().describe("Species: indica, sativa, hybrid…"),
    grade: z.string().nullable().describe("Grade."),
    barcode: z.string().nullable().describe("Barcode."),
    url: z.string().nullable().describe("Product page URL."),
    image_url: z.string().nullable().describe("Image URL."),
    description: z.string().nullable().describe("Description."),
    supplier_name: z.string().nullable().describe("Supplier name."),
    supplier_id: z.string().nullable().describe("Supplier id."),
    currency: z.string().describe("ISO 4217 currency of the prices, e.g. USD."),
    thc_percent: z.string().nullable().describe("THC, percent, exact decimal."),
    cbd_percent: z.string().nullable().describe("CBD, percent, exact decimal."),
    custom_attributes: z.array(customAttributeSchema).describe("Custom attributes of the product."),
    location: z
      .object({
        id: z.uuid().describe("This service's id of the location."),
        pos_id: z.string().describe("The POS's id of the store."),
        name: z.string().describe("Store name."),
      })
      .describe("The location this stock is at."),
    quantity: z.string().describe("Quantity on hand at the location, exact decimal (grams or units)."),
    unit_cost: decimal("Cost of one unit."),
    sale_price: decimal("Price of one unit at the location."),
    msrp: decimal("Manufacturer's suggested retail price."),
    total_tax: decimal("Tax on one unit."),
    margin: decimal("sale_price − unit_cost."),
    margin_percent: z
      .string()
      .nullable()
      .describe("margin / sale_price × 100, rounded to 2 decimals; null when either is unknown or the price is 0."),
    stock_value_at_cost: decimal("quantity × unit_cost."),
    stock_value_at_price: decimal("quantity × sale_price."),
    in_stock: z.boolean().describe("In stock at the location, as the POS reports it."),
    saleable: z.boolean().describe("Saleable at the location."),
    archived: z.boolean().describe("This item is archived at the location."),
    product_archived: z.boolean().describe("The product is archived (everywhere)."),
    deleted_at: timestamp
      .nullable()
      .describe("Set when the item or its product was deleted: the record is then a tombstone."),
    created_at: timestamp.describe("When the item was added at the location (AIQ dateAdded)."),
    updated_at: timestamp.describe(
      "Change time of the item, moved also by any change of its product (AIQ dateUpdated).",
    ),
  })
  .describe("Stock, cost and price of one product at one location, with the product's fields.");

export type InventoryRecord = z.infer<typeof inventoryRecordSchema>;
