// The SQL of locations (a merchant's stores), typed from schema.prisma (src/db/sql.ts) and scoped by
// db/tenant.ts: a key limited to some stores sees only those.
import { sql } from "kysely";
import { qb, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";

/** The columns a location record shows (locations/schemas.ts). */
export const LOCATION_COLUMNS = [
  "l.id",
  "l.pos_id",
  "l.name",
  "l.time_zone",
  "l.address1",
  "l.city",
  "l.state",
  "l.zip",
  "l.created_at",
  "l.updated_at",
] as const;

/** The stores the tenant's key may see, by id: `limit` of them after `afterId`, or all. */
export function visibleLocations(tenant: Tenant, page: { afterId?: string; limit?: number } = {}) {
  return tenantStatement(
    tenant,
    qb
      .selectFrom("locations as l")
      .select(LOCATION_COLUMNS)
      .where(tenant.where("l", { locations: false }))
      .$if(tenant.locationIds !== null, (q) => q.where("l.id", "=", sql<string>`ANY(${tenant.locationIds}::uuid[])`))
      .$if(page.afterId !== undefined, (q) => q.where("l.id", ">", page.afterId!))
      .orderBy("l.id")
      .$if(page.limit !== undefined, (q) => q.limit(page.limit!)),
  );
}
