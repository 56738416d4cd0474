// GET /v1/whoami: who a key stands for — its merchant, scopes and locations — so an integrator can
// check a key before wiring it in. Any valid key may ask.
import { z } from "zod";
import { first, run } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import { defineRoute } from "../lib/route.js";
import { visibleLocations } from "../locations/queries.js";
import { locationRecordSchema, toLocationRecord } from "../locations/schemas.js";
import { keyWithMerchant } from "./queries.js";
import { scopeSchema } from "./scopes.js";

const whoamiSchema = z.object({
  merchant: z
    .object({
      id: z.guid().describe("Our id of the merchant."),
      slug: z.string().describe("Short name, as the keys CLI takes it."),
      name: z.string().describe("Merchant name."),
    })
    .describe("The merchant the key belongs to."),
  key: z
    .object({
      id: z.guid().describe("Our id of the key (what the keys CLI revokes or rotates)."),
      name: z.string().describe("The key's name."),
      prefix: z.string().describe("The non-secret start of the key."),
      environment: z.enum(["live", "test"]).describe("live or test."),
      expires_at: z.iso.datetime().nullable().describe("When the key stops working; null: never."),
      created_at: z.iso.datetime().describe("When the key was made."),
    })
    .describe("The key itself (never its secret)."),
  scopes: z.array(scopeSchema).describe("What the key may do."),
  all_locations: z.boolean().describe("True when the key is not limited to some locations."),
  locations: z
    .array(locationRecordSchema)
    .describe("The locations the key may see (all of the merchant's when all_locations)."),
});

export const keyRoutes = [
  defineRoute({
    method: "get",
    path: "/v1/whoami",
    operationId: "whoami",
    summary: "The merchant, scopes and locations the API key stands for",
    tags: ["Keys"],
    scope: "any",
    query: z.strictObject({}),
    responses: {
      200: { description: "Who the key is.", schema: whoamiSchema },
      400: { description: "Problem details (RFC 9457): an unknown query parameter." },
      401: { description: "Problem details (RFC 9457): no key, or not a valid one." },
    },
    handler: async ({ db, auth }): Promise<z.infer<typeof whoamiSchema>> => {
      const tenant = tenantOf(auth);
      const [key, locations] = await Promise.all([
        first(db.pool, keyWithMerchant(tenant, auth.keyId)),
        run(db.pool, visibleLocations(tenant)),
      ]);
      // Authenticated a moment ago; gone only if deleted in between.
      if (!key) throw new AppError("unauthenticated", "The API key is not valid.");
      return {
        merchant: { id: key.merchant_id, slug: key.merchant_slug, name: key.merchant_name },
        key: {
          id: key.id,
          name: key.name,
          prefix: key.prefix,
          environment: auth.environment,
          expires_at: key.expires_at?.toISOString() ?? null,
          created_at: key.created_at.toISOString(),
        },
        scopes: auth.scopes,
        all_locations: auth.locationIds === null,
        locations: locations.map(toLocationRecord),
      };
    },
  }),
];
