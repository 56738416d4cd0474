// The body of PUT /v1/inventory: what the POS reports about stock, cost and price of products at
// its stores, with the product's AIQ inventory fields (createUpdateInventory) under the names the
// inventory feed serves them with (AIQ parentcate → parent_category, imageurl → image_url,
// supplierna → supplier_name, customattr → custom_attributes, thc → thc_percent, cbd →
// cbd_percent, totaltax → total_tax, salesprice → sale_price, instock → in_stock, issaleable →
// saleable, isarchived → archived), plus unit_cost.
import { z } from "zod";
import { decimalInput } from "../lib/decimal.js";
import { prose } from "../lib/prose.js";
import { storeReference } from "../locations/schemas.js";

export const MAX_INVENTORY_ITEMS = 500;

const optionalText = (max: number, what: string) =>
  z.string().trim().max(max).nullable().optional().describe(`${what} Optional; omitted or null: unknown.`);
const money = (what: string) => decimalInput({ scale: 2, integerDigits: 10, description: what }).nullable().optional();
const percent = (what: string) => decimalInput({ scale: 3, integerDigits: 3, description: what }).nullable().optional();

export const inventoryItemInput = z
  .strictObject({
    ...storeReference,
    sku: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe(
        "The product's SKU (AIQ sku). Earlier receipt lines of this SKU link to the product when it is created here.",
      ),
    pos_product_id: optionalText(100, "The POS's product id (AIQ productid)."),
    name: z.string().trim().min(1).max(300).describe("Product name."),
    brand: optionalText(200, "Brand."),
    category: optionalText(200, "Category, e.g. Pre-Rolls."),
    parent_category: optionalText(200, "Parent category, e.g. Flower (AIQ parentcate)."),
    variant: optionalText(200, "Variant."),
    size: optionalText(100, "Size, e.g. 3.5g."),
    strain: optionalText(200, "Strain."),
    species: optionalText(100, "Species: indica, sativa, hybrid…"),
    grade: optionalText(100, "Grade."),
    barcode: optionalText(100, "Barcode."),
    url: optionalText(2000, "Product page URL."),
    image_url: optionalText(2000, "Image URL (AIQ imageurl)."),
    description: optionalText(5000, "Description."),
    supplier_name: optionalText(200, "Supplier name (AIQ supplierna)."),
    supplier_id: optionalText(100, "Supplier id."),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default("USD")
      .describe("ISO 4217 currency of the prices. Default USD."),
    thc_percent: percent("THC, percent (AIQ thc)."),
    cbd_percent: percent("CBD, percent (AIQ cbd)."),
    custom_attributes: z
      .array(
        z.strictObject({
          parent: z.string().max(200).describe("Group of the attribute."),
          key: z.string().max(200).describe("Name of the attribute."),
          value: z.string().max(2000).describe("Value of the attribute."),
        }),
      )
      .max(100)
      .default([])
      .describe("Custom attributes (AIQ customattr). Default none."),
    quantity: decimalInput({
      scale: 3,
      integerDigits: 9,
      description: prose`
        Quantity on hand at the store as the POS counts it (never negative: a negative count is a 422). The service
        never derives stock from sales.
      `,
    }),
    unit_cost: decimalInput({
      scale: 4,
      integerDigits: 8,
      description: "Cost of one unit at the store (what receipts take as their cost at the time of sale).",
    })
      .nullable()
      .optional(),
    sale_price: money("Price of one unit at the store (AIQ salesprice)."),
    msrp: money("Manufacturer's suggested retail price."),
    total_tax: money("Tax on one unit (AIQ totaltax)."),
    in_stock: z.boolean().optional().describe("In stock at the store (AIQ instock). Default: quantity > 0."),
    saleable: z.boolean().default(true).describe("Saleable at the store (AIQ issaleable). Default true."),
    archived: z.boolean().default(false).describe("Archived at the store (AIQ isarchived). Default false."),
  })
  .superRefine((item, ctx) => {
    if ((item.location_id === undefined) === (item.location_pos_id === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["location_id"],
        message: "Send exactly one of location_id and location_pos_id.",
      });
    }
  })
  .describe(prose`
    One product at one store. The item replaces what the service knows of it: omitted optional fields become null (or
    their default).
  `);
export type InventoryItemInput = z.output<typeof inventoryItemInput>;

export const inventoryPutBody = z
  .strictObject({
    items: z.array(inventoryItemInput).min(1).max(MAX_INVENTORY_ITEMS).describe(`1 to ${MAX_INVENTORY_ITEMS} items.`),
  })
  .describe(prose`
    Stock, cost and price of up to ${MAX_INVENTORY_ITEMS} products at the merchant's stores. Products are the merchant's
    (one per SKU); stock is per store. All or nothing: any bad item rejects the call with every issue listed.
  `);
