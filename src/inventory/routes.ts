// GET /v1/inventory: the change feed of stock, one item per (product, location), each with the
// product's AIQ fields and the location's quantity, cost, prices, margin and stock value. A key
// limited to some locations sees only their items.
import { z } from "zod";
import { recordsOrAiqPage } from "../lib/list-page.js";
import { feedPageSchema } from "../lib/paging.js";
import { prose } from "../lib/prose.js";
import { defineRoute } from "../lib/route.js";
import { aiqInventoryItemSchema, toAiqInventoryItem } from "./aiq-format.js";
import { inventoryListQuery } from "./list-query.js";
import { inventoryListing } from "./read.js";
import { inventoryRecordSchema } from "./schemas.js";

const problem = { description: "Problem details (RFC 9457)." };

export const inventoryRoutes = [
  defineRoute({
    method: "get",
    path: "/v1/inventory",
    operationId: "listInventory",
    summary: "Stock, cost, price and margin per product and location, by change time (lossless feed)",
    description: prose`
      Ordered by (updated_at, id) of the inventory item; a change to a product moves all its items forward, so the feed
      carries product changes too. Served up to the feed's horizon, so an item whose write commits late is never
      skipped: poll again with \`next_cursor\` even when has_more is false. format=aiq serves one store at a time
      (location_id required: AIQ's inventory item has no store field) in pages of at most 100 items (one
      createUpdateInventory call each).
    `,
    tags: ["Inventory"],
    scope: "inventory:read",
    feed: true,
    query: inventoryListQuery,
    responses: {
      200: {
        description: "A page of inventory items, as records (format=standard) or as AIQ inventory items (format=aiq).",
        schema: z.union([feedPageSchema(inventoryRecordSchema), feedPageSchema(aiqInventoryItemSchema)]),
      },
      400: problem,
      401: problem,
      403: problem,
    },
    handler: recordsOrAiqPage(inventoryListing, toAiqInventoryItem),
  }),
];
