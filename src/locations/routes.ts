// GET /v1/locations: the stores a key may see (all of its merchant's, or those it is limited to).
// Any valid key may ask: every feed filters on location_id and AIQ maps store names. A merchant has
// a handful of stores; paging is the same keyset as every list (by id).
import { run } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import { decodeCursor, encodeCursor, filterFingerprint, type Position, pageSchema, toPage } from "../lib/paging.js";
import { defineRoute } from "../lib/route.js";
import { visibleLocations } from "./queries.js";
import { locationListQuery, locationRecordSchema, toLocationRecord } from "./schemas.js";

const problem = { description: "Problem details (RFC 9457)." };

export const locationRoutes = [
  defineRoute({
    method: "get",
    path: "/v1/locations",
    operationId: "listLocations",
    summary: "The stores the key may see",
    description:
      "Ordered by id. A key limited to some locations sees only those. Any valid key may call it, whatever its scopes.",
    tags: ["Locations"],
    scope: "any",
    query: locationListQuery,
    responses: {
      200: { description: "A page of locations.", schema: pageSchema(locationRecordSchema) },
      400: problem,
      401: problem,
    },
    handler: async ({ db, config, auth, query }) => {
      const { limit, cursor } = query;
      const fingerprint = filterFingerprint("locations", auth, {});
      const after = cursor ? decodeCursor(config.CURSOR_SECRET, fingerprint, cursor) : null;
      const page = { afterId: after ? String(after[0]) : undefined, limit: limit + 1 };
      const rows = await run(db.pool, visibleLocations(tenantOf(auth), page));
      return toPage(
        rows,
        limit,
        (row): Position => [row.id],
        toLocationRecord,
        (position) => encodeCursor(config.CURSOR_SECRET, fingerprint, position),
      );
    },
  }),
];
