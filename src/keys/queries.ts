// The SQL of API keys: every statement on api_keys, typed from schema.prisma (src/db/sql.ts). The
// lookup by prefix comes before any merchant is known (a reviewed statement); every other one is
// scoped to the key's merchant by db/tenant.ts.
import { sql } from "kysely";
import { jsonArrayFrom } from "kysely/helpers/postgres";
import { v7 as uuidv7 } from "uuid";
import { qb, type Row, reusable, reviewedStatement, type Statement, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import { horizonRow } from "../lib/sync-feed.js";

const AUTH_COLUMNS = [
  "k.id",
  "k.merchant_id",
  "k.hash",
  "k.scopes",
  "k.location_ids",
  "k.revoked_at",
  "k.expires_at",
  "k.last_used_at",
] as const;

// Every request with a key runs this: one indexed lookup, prepared (measured by npm run bench:
// Prisma's findUnique cost several times this round trip).
const byPrefix = (prefix: string) => qb.selectFrom("api_keys as k").select(AUTH_COLUMNS).where("k.prefix", "=", prefix);

/** What authentication needs of the key with this prefix. */
export const keyByPrefix = reusable(1, (prefix: string) =>
  reviewedStatement("key-lookup", byPrefix(prefix), { prepare: "api-key-by-prefix" }),
);

/**
 * The same, with the stores the key may write to (src/lib/locations.ts), in the same round trip: every
 * pos:write request resolves its store, and a receipt's whole write is then one more round trip
 * (src/transactions/new-sale.ts). Reads do not pay for the subquery.
 */
export const keyWithLocationsByPrefix = reusable(1, (prefix: string) =>
  reviewedStatement(
    "key-lookup",
    byPrefix(prefix).select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom("locations as l")
          .select(["l.id", "l.pos_id", "l.time_zone"])
          .whereRef("l.merchant_id", "=", "k.merchant_id")
          .where((w) =>
            w.or([
              w(w.fn("cardinality", ["k.location_ids"]), "=", 0),
              w("l.id", "=", sql<string>`ANY(${w.ref("k.location_ids")})`),
            ]),
          ),
      ).as("writable_locations"),
    ),
    { prepare: "api-key-with-locations-by-prefix" },
  ),
);

/**
 * The same, with the feed's horizon (lib/sync-feed.ts) in the same round trip: a route that serves a
 * change feed reads it before its page's statement anyway, and the key lookup comes before that too.
 */
export const keyWithHorizonByPrefix = reusable(1, (prefix: string) =>
  reviewedStatement(
    "key-lookup",
    byPrefix(prefix).crossJoin(horizonRow.as("fh")).select(["fh.horizon", "fh.lag_seconds"]),
    { prepare: "api-key-with-horizon-by-prefix" },
  ),
);

/** The key as authentication reads it: with the stores it may write to for a pos:write route, or the feed's horizon. */
export type KeyLookupRow =
  | RowOf<ReturnType<typeof keyByPrefix>>
  | RowOf<ReturnType<typeof keyWithLocationsByPrefix>>
  | RowOf<ReturnType<typeof keyWithHorizonByPrefix>>;
type RowOf<S> = S extends Statement<infer R> ? R : never;

/** Records the key's use (by its id, under its merchant). */
export const markKeyUsed = (tenant: Tenant, id: string, at: Date) =>
  tenantStatement(
    tenant,
    qb
      .updateTable("api_keys as k")
      .set({ last_used_at: at })
      .where("k.id", "=", id)
      .where(tenant.where("k", { locations: false })),
    { prepare: "api-key-mark-used" },
  );

/** The key and its merchant, for GET /v1/whoami. */
export const keyWithMerchant = (tenant: Tenant, id: string) =>
  tenantStatement(
    tenant,
    qb
      .selectFrom("api_keys as k")
      .innerJoin("merchants as m", "m.id", "k.merchant_id")
      .select(["k.id", "k.name", "k.prefix", "k.expires_at", "k.created_at"])
      .select(["m.id as merchant_id", "m.slug as merchant_slug", "m.name as merchant_name"])
      .where("k.id", "=", id)
      .where(tenant.where("k", { locations: false })),
  );

export type KeyRecord = Row<"api_keys">;
export type NewKeyRow = Pick<KeyRecord, "name" | "prefix" | "hash" | "scopes" | "location_ids" | "expires_at"> & {
  rotated_from_id: string | null;
};

/** Stores a new key of the tenant's merchant; returns its row. */
export const insertKey = (tenant: Tenant, row: NewKeyRow) =>
  tenantStatement(
    tenant,
    qb
      .insertInto("api_keys")
      .values({ id: uuidv7(), merchant_id: tenant.merchant, ...row })
      .returningAll(),
  );

/** Sets when a key stops working (revoked_at or expires_at). */
export const endKey = (tenant: Tenant, id: string, end: { revoked_at: Date } | { expires_at: Date | null }) =>
  tenantStatement(
    tenant,
    qb
      .updateTable("api_keys as k")
      .set(end)
      .where("k.id", "=", id)
      .where(tenant.where("k", { locations: false }))
      .returningAll(),
  );

// The operator's command (npm run keys) names a key by id or prefix, with no merchant yet.

/** The merchant of a slug (the keys CLI and the demo name merchants so). */
export const merchantBySlug = (slug: string) =>
  reviewedStatement(
    "command",
    qb.selectFrom("merchants as m").select(["m.id", "m.slug", "m.name"]).where("m.slug", "=", slug),
  );

/** A key by its id or its prefix. */
export const keyByIdOrPrefix = (idOrPrefix: string) =>
  reviewedStatement(
    "command",
    qb
      .selectFrom("api_keys as k")
      .selectAll("k")
      .where(/^[0-9a-f-]{36}$/i.test(idOrPrefix) ? "k.id" : "k.prefix", "=", idOrPrefix),
  );

/** Every key (of the tenant's merchant, or of all), oldest first, with its merchant's slug. */
export function keysWithMerchant(tenant?: Tenant) {
  const query = qb
    .selectFrom("api_keys as k")
    .innerJoin("merchants as m", "m.id", "k.merchant_id")
    .selectAll("k")
    .select("m.slug as merchant_slug")
    .orderBy("k.created_at")
    .orderBy("k.id");
  return tenant
    ? tenantStatement(tenant, query.where(tenant.where("k", { locations: false })))
    : reviewedStatement("command", query);
}
