// GET /v1/reports/inventory: its query and answer, with the definition of every figure.
import { z } from "zod";
import { formatParam, locationParam } from "../params.js";
import { count, money, quantity, totalsAndRows } from "../values.js";

export const INVENTORY_GROUPS = ["location_category", "location", "category", "none"] as const;
export type InventoryGroup = (typeof INVENTORY_GROUPS)[number];

export const inventoryReportQuery = z.strictObject({
  group_by: z
    .enum(INVENTORY_GROUPS)
    .default("location_category")
    .describe(
      "Rows per `location_category` (each category at each location), `location`, `category`, or `none` (totals only).",
    ),
  low_stock_threshold: z
    .string()
    .regex(/^\d{1,9}(\.\d{1,3})?$/, "a quantity such as 5 or 3.5")
    .default("5")
    .describe("An item in stock with this quantity or less counts as low stock (default 5).")
    .meta({ example: "5" }),
  location_id: locationParam,
  format: formatParam,
});

export type InventoryReportQuery = z.output<typeof inventoryReportQuery>;

export const inventoryFigures = {
  items: count(
    "Stock items (a product at a location) counted: not deleted, neither the item nor its product archived.",
    840,
  ),
  units_on_hand: quantity("Σ quantity on hand (negative quantities, oversold items, count as 0).", "15230.500"),
  value_at_cost: money(
    "Σ quantity on hand × unit cost. Items without a unit cost add nothing (see items_without_cost).",
    "182450.75",
  ),
  value_at_price: money(
    "Σ quantity on hand × sale price. Items without a sale price add nothing (see items_without_price).",
    "411230.00",
  ),
  potential_margin: money(
    "value_at_price − value_at_cost, over the items that have both a cost and a price.",
    "228779.25",
  ),
  items_without_cost: count("Items with no unit cost.", 3),
  items_without_price: count("Items with no sale price.", 1),
  low_stock_items: count("Items with 0 < quantity ≤ low_stock_threshold.", 27),
  out_of_stock_items: count("Items with quantity ≤ 0.", 12),
};

export const inventoryRowSchema = z.object({
  location_id: z
    .guid()
    .nullable()
    .describe("The location (grouped by location); null otherwise.")
    .meta({ example: "0193a7b2-5c3d-7e4f-8a1b-2c3d4e5f6a7b" }),
  location_name: z
    .string()
    .nullable()
    .describe("The location's name; null when not grouped by location.")
    .meta({ example: "Downtown" }),
  category: z
    .string()
    .nullable()
    .describe(
      "The product category (grouped by category); null when not grouped by category, or for products without one.",
    )
    .meta({ example: "Flower" }),
  ...inventoryFigures,
});

export const inventoryReportSchema = z.object({
  as_of: z.iso
    .datetime()
    .describe("When the stock was read (stock is current, not historical).")
    .meta({ example: "2026-11-27T15:04:05.123Z" }),
  group_by: z.enum(INVENTORY_GROUPS).describe("The grouping asked for."),
  low_stock_threshold: z.string().describe("The threshold used, as a decimal string.").meta({ example: "5" }),
  ...totalsAndRows(inventoryFigures, inventoryRowSchema, {
    totals: "Every covered item.",
    data: "One row per group, by location name, then category (items without a category last).",
  }),
});

export type InventoryRow = z.infer<typeof inventoryRowSchema>;
export type InventoryReport = z.infer<typeof inventoryReportSchema>;
