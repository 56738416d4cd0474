// PUT /v1/inventory (scope pos:write): the POS reports stock, cost and price per store.
import { z } from "zod";
import { problemDetailsSchema } from "../lib/problem-schema.js";
import { prose } from "../lib/prose.js";
import { defineRoute } from "../lib/route.js";
import { recordWriteOutcomes } from "../metrics/http.js";
import { putInventory } from "./put.js";
import { inventoryPutBody, MAX_INVENTORY_ITEMS } from "./write-schemas.js";

const problem = (description: string) => ({ description, schema: problemDetailsSchema });

const answerSchema = z.object({
  results: z
    .array(
      z
        .object({
          sku: z.string().describe("The item's SKU."),
          location_id: z.guid().describe("Our id of its store."),
          id: z.guid().describe("Our id of the inventory item (as in GET /v1/inventory)."),
          result: z.enum(["created", "updated", "unchanged"]).describe(prose`
              created; updated (its stock or its product's fields changed); unchanged (nothing differs, its change time
              stays).
            `),
        })
        .describe("The outcome of one item."),
    )
    .describe("One result per item, in the order sent."),
  summary: z
    .object({
      created: z.number().int().describe("Items created."),
      updated: z.number().int().describe("Items whose stock or product changed."),
      unchanged: z.number().int().describe("Items already as reported (their change time stays)."),
    })
    .describe("How many items had each result."),
});

export const inventoryWriteRoutes = [
  defineRoute({
    method: "put",
    path: "/v1/inventory",
    operationId: "putInventory",
    summary: `Report stock, cost and price of up to ${MAX_INVENTORY_ITEMS} products at the stores`,
    description: prose`
      Each item creates or replaces the product of its SKU (the merchant's, the same at every store) and its stock row
      at its store. The service never derives stock from sales: quantity is what the POS counts. Unchanged items keep
      their change time; a changed product moves its stock rows at every store forward in the inventory feed. A product
      created here links earlier receipt lines of its SKU. All or nothing: a bad item (unknown store, negative stock or
      amount, the same SKU and store twice, one SKU with different product fields) rejects the call, listing every
      issue. At most ${MAX_INVENTORY_ITEMS} items per call (AIQ's own endpoint takes 100).
    `,
    tags: ["POS"],
    scope: "pos:write",
    query: z.strictObject({}),
    body: inventoryPutBody,
    responses: {
      200: { description: "One result per item.", schema: answerSchema },
      400: problem("Malformed body: wrong types, missing or unknown fields, more than the maximum items."),
      401: problem("No valid key."),
      403: problem("The key lacks pos:write."),
      413: problem("The body is too large."),
      415: problem("The body is not application/json."),
      422: problem("Every semantic problem listed; nothing was written."),
    },
    handler: async ({ db, auth, body, res }) => {
      const results = await putInventory(db, auth, body.items);
      const summary = { created: 0, updated: 0, unchanged: 0 };
      for (const r of results) summary[r.result]++;
      recordWriteOutcomes(res, summary);
      return { results, summary };
    },
  }),
];
