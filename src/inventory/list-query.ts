// Query parameters of GET /v1/inventory: the change feed (updated_from/updated_to), narrowed by
// location, SKU or stock status; paging; format.
import { z } from "zod";
import { pagingParams } from "../lib/paging.js";
import { listFormatParam } from "../lib/record-format.js";
import { changeTimeParams, timeRangeRules } from "../lib/time-range.js";

/** AIQ's createUpdateInventory takes at most this many items per call: a page in the aiq shape is one call. */
export const AIQ_MAX_ITEMS_PER_CALL = 100;

/**
 * The aiq shape (format=aiq on the list, shape=aiq on the export) serves one store's stock at a
 * time: AIQ's inventory item has no store field, so items of one SKU at two stores would overwrite
 * each other in one post. A page of it is one createUpdateInventory call: at most 100 items.
 * Listed beside every other issue (use with `{ when: () => true }`).
 */
export const aiqInventoryRule = (shapeParam: "format" | "shape") =>
  [
    (query: { format?: unknown; shape?: unknown; location_id?: unknown; limit?: unknown }, ctx: z.RefinementCtx) => {
      if (query[shapeParam] !== "aiq") return;
      if (query.location_id === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["location_id"],
          message:
            `${shapeParam}=aiq serves one store's stock at a time (AIQ's inventory item has no store field, ` +
            `so two stores' items of one SKU would overwrite each other): send location_id.`,
        });
      }
      if (typeof query.limit === "number" && query.limit > AIQ_MAX_ITEMS_PER_CALL) {
        ctx.addIssue({
          code: "custom",
          path: ["limit"],
          message:
            `${shapeParam}=aiq pages are AIQ's createUpdateInventory calls: at most ` +
            `${AIQ_MAX_ITEMS_PER_CALL} items each.`,
        });
      }
    },
    { when: () => true },
  ] as const;

export const inventoryListQuery = z
  .strictObject({
    ...changeTimeParams,
    location_id: z
      .guid()
      .optional()
      .describe(
        "Only the stock at this location (this service's location id). Required with format=aiq (one store at a time).",
      ),
    sku: z.string().min(1).max(200).optional().describe("Only the items of the product with this SKU (exact match)."),
    in_stock: z
      .enum(["true", "false"])
      .transform((value) => value === "true")
      .optional()
      .describe("true: only items in stock; false: only items out of stock (as the POS reports in_stock)."),
    format: listFormatParam,
    ...pagingParams,
  })
  .superRefine(...timeRangeRules)
  .superRefine(...aiqInventoryRule("format"));

export type InventoryListQuery = z.output<typeof inventoryListQuery>;
