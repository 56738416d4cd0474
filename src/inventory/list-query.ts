// Query parameters of GET /v1/inventory: the change feed (updated_from/updated_to), narrowed by
// location, SKU or stock status; paging; format.
import { z } from "zod";
import { listFormatParam } from "../lib/record-format.js";
import { timeRangeRules } from "../lib/time-range.js";
import { pagingParams } from "../lib/paging.js";
import { changeTimeParams } from "../lib/time-range.js";

export const inventoryListQuery = z
  .strictObject({
    ...changeTimeParams,
    location_id: z.guid().optional().describe("Only the stock at this location (this service's location id)."),
    sku: z.string().min(1).max(200).optional().describe("Only the items of the product with this SKU (exact match)."),
    in_stock: z
      .enum(["true", "false"])
      .transform((value) => value === "true")
      .optional()
      .describe("true: only items in stock; false: only items out of stock (as the POS reports in_stock)."),
    format: listFormatParam,
    ...pagingParams,
  })
  .superRefine(...timeRangeRules);

export type InventoryListQuery = z.output<typeof inventoryListQuery>;
