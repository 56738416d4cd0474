// format=aiq: an inventory item in AIQ's own push shape, an item of createUpdateInventory's array,
// so AIQ's ingestion can post a page's data as is. AIQ's guide was extracted to lower case with
// some names cut (parentcate, supplierna, customattr); the names here are the full camelCase ones.
// Beside AIQ's fields: our id, the location, and the cost and margin Option 1 asks for. Fields we
// do not know are left out, never sent as null.
import { z } from "zod";
import { withoutNulls } from "../customers/aiq-format.js";
import { customAttributeSchema, type InventoryRecord } from "./schemas.js";

const text = (source: string) => z.string().optional().describe(source);

export const aiqInventoryItemSchema = z
  .object({
    id: z.uuid().describe("Our inventory item id (not an AIQ field): one product at one location."),
    sku: z.string().describe("sku."),
    productId: z.string().describe("pos_product_id; our product_id when the POS gave none (AIQ requires one)."),
    category: text("category."),
    parentCategory: text("parent_category."),
    name: z.string().describe("name."),
    brand: text("brand."),
    variant: text("variant."),
    barcode: text("barcode."),
    url: text("url."),
    imageUrl: text("image_url."),
    description: text("description."),
    supplierName: text("supplier_name."),
    supplierId: text("supplier_id."),
    currency: z.string().describe("currency."),
    customAttributes: z.array(customAttributeSchema).describe("custom_attributes."),
    totalTax: text("total_tax, decimal string."),
    dateUpdated: z.string().describe("updated_at as Unix seconds, a string."),
    dateAdded: z.string().describe("created_at as Unix seconds, a string."),
    msrp: text("msrp, decimal string."),
    quantity: z.string().describe("quantity, decimal string."),
    thc: text("thc_percent, decimal string."),
    cbd: text("cbd_percent, decimal string."),
    salesPrice: text("sale_price, decimal string."),
    inStock: z.boolean().describe("in_stock."),
    isSaleable: z.boolean().describe("saleable."),
    isArchived: z.boolean().describe("archived, or product_archived, or deleted (deleted_at set)."),
    location: z
      .string()
      .describe(
        "location.name: the store's name, as in AIQ's createUpdateSale `location` (not an AIQ inventory field).",
      ),
    locationId: z.uuid().describe("location.id (not an AIQ field)."),
    unitCost: text("unit_cost, decimal string (Option 1: cost)."),
    margin: text("margin = sale_price − unit_cost, decimal string (Option 1: margin)."),
    marginPercent: text("margin_percent, decimal string."),
  })
  .describe("An item of AIQ's createUpdateInventory array, plus our id, the location, cost and margin.");

export type AiqInventoryItem = z.infer<typeof aiqInventoryItemSchema>;

const unixSeconds = (rfc3339: string) => String(Math.floor(Date.parse(rfc3339) / 1000));

export function toAiqInventoryItem(item: InventoryRecord): AiqInventoryItem {
  return {
    id: item.id,
    sku: item.sku,
    productId: item.pos_product_id ?? item.product_id,
    name: item.name,
    currency: item.currency,
    customAttributes: item.custom_attributes,
    dateUpdated: unixSeconds(item.updated_at),
    dateAdded: unixSeconds(item.created_at),
    quantity: item.quantity,
    inStock: item.in_stock,
    isSaleable: item.saleable,
    isArchived: item.archived || item.product_archived || item.deleted_at !== null,
    location: item.location.name,
    locationId: item.location.id,
    ...withoutNulls({
      category: item.category,
      parentCategory: item.parent_category,
      brand: item.brand,
      variant: item.variant,
      barcode: item.barcode,
      url: item.url,
      imageUrl: item.image_url,
      description: item.description,
      supplierName: item.supplier_name,
      supplierId: item.supplier_id,
      totalTax: item.total_tax,
      msrp: item.msrp,
      thc: item.thc_percent,
      cbd: item.cbd_percent,
      salesPrice: item.sale_price,
      unitCost: item.unit_cost,
      margin: item.margin,
      marginPercent: item.margin_percent,
    }),
  };
}
