// GET /v1/inventory: the change feed of stock, one item per (product, location), each with the
// product's AIQ fields and the location's quantity, cost, prices, margin and stock value. A key
// limited to some locations sees only their items.
import { z } from "zod";
import { outOfRangeResponse } from "../lib/instant.js";
import {
  decodeCursor,
  encodeCursor,
  filterFingerprint,
  type Position,
  pageSchema,
  timeIdPosition,
  toPage,
} from "../lib/paging.js";
import { defineRoute } from "../lib/route.js";
import { feedBounds, toFeedPage } from "../lib/sync-feed.js";
import { aiqInventoryItemSchema, toAiqInventoryItem } from "./aiq-format.js";
import { inventoryListQuery } from "./list-query.js";
import { readInventoryPage } from "./read.js";
import { type InventoryRecord, inventoryRecordSchema } from "./schemas.js";

const feedSchema = <T extends z.ZodType>(item: T) =>
  pageSchema(item).extend({
    complete_through: z
      .string()
      .describe("Every change before this instant is in this answer or the pages that follow it."),
  });

const problem = { description: "Problem details (RFC 9457)." };

export const inventoryRoutes = [
  defineRoute({
    method: "get",
    path: "/v1/inventory",
    operationId: "listInventory",
    summary: "Stock, cost, price and margin per product and location, by change time (lossless feed)",
    description:
      "Ordered by (updated_at, id) of the inventory item; a change to a product moves all its items forward, so the feed carries product changes too. Served up to the feed's horizon, so an item whose write commits late is never skipped: poll again with `next_cursor` even when has_more is false. format=aiq serves one store at a time (location_id required: AIQ's inventory item has no store field) in pages of at most 100 items (one createUpdateInventory call each).",
    tags: ["Inventory"],
    scope: "inventory:read",
    query: inventoryListQuery,
    responses: {
      200: {
        description: "A page of inventory items, as records (format=standard) or as AIQ inventory items (format=aiq).",
        schema: z.union([feedSchema(inventoryRecordSchema), feedSchema(aiqInventoryItemSchema)]),
      },
      400: problem,
      401: problem,
      403: problem,
    },
    handler: async ({ db, config, auth, query }) => {
      const { format, limit, cursor, ...filters } = query;
      // The format only renders: it is not a filter, so a cursor does not depend on it.
      const fingerprint = filterFingerprint("inventory.list", auth, filters);
      const cursorFor = (position: Position) => encodeCursor(config.CURSOR_SECRET, fingerprint, position);
      const after = cursor ? timeIdPosition(decodeCursor(config.CURSOR_SECRET, fingerprint, cursor)) : undefined;
      // Each format's page has its own type (the 200 schema is the union of the two page shapes).
      const inFormat = <Page extends { data: InventoryRecord[] }>(page: Page) =>
        format === "aiq" ? { ...page, data: page.data.map(toAiqInventoryItem) } : page;

      const bounds = await feedBounds(db.pool, filters.updated_to, "inventory");
      const rows = await readInventoryPage(db, auth, {
        from: filters.updated_from,
        to: bounds.upper,
        after,
        locationId: filters.location_id,
        sku: filters.sku,
        inStock: filters.in_stock,
        take: limit + 1,
      });
      const page = toFeedPage(
        toPage(
          rows,
          limit,
          (row) => row.position,
          (row) => row.record,
          cursorFor,
        ),
        bounds,
        cursorFor,
        after,
      );
      return inFormat(page);
    },
  }),
];
