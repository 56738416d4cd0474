// Reading customers: the list, declared to the paging engine (db/paging.ts), and one record. Visit
// figures come from the same statement (a LATERAL aggregate per customer of the page, on the index
// transactions(merchant_id, customer_id, transacted_at)), so a page costs one query however many
// customers it holds.
import { sql } from "kysely";
import type { Db } from "../db/client.js";
import type { Listing } from "../db/paging.js";
import { columnsOf, first, tenantStatement } from "../db/sql.js";
import { type Tenant, tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import type { InstantText } from "../lib/instant.js";
import { utcText } from "../lib/sync-feed.js";
import type { CustomerRecord } from "./schemas.js";

/** A row as the SQL returns it: the record's fields, flat (its visit figures beside the customer's). */
export type CustomerRow = Omit<CustomerRecord, "visits"> & CustomerRecord["visits"];

const c = columnsOf("customers", "c");
const t = columnsOf("transactions", "t");

const COLUMNS = sql.raw(
  `
  ${c.id}, ${c.pos_user}, ${c.pos_type}::text AS pos_type, ${c.email}, ${c.phone}, ${c.first_name}, ${c.last_name},
  ${c.address1}, ${c.address2}, ${c.city}, ${c.state}, ${c.zip}, to_char(${c.birthday}, 'YYYY-MM-DD') AS birthday,
  ${c.gender}, ${c.loyalty_opt_in}, ${utcText(c.loyalty_changed_at)} AS loyalty_changed_at,
  ${utcText(c.deleted_at)} AS deleted_at, ${utcText(c.created_at)} AS created_at, ${utcText(c.updated_at)} AS ` +
    `updated_at`,
);

/**
 * Visit figures of customer `c`, from its non-voided, non-deleted transactions within the key's
 * merchant and locations. A refund counts against the spend whatever the sign the POS gave its total.
 */
const visits = (tenant: Tenant) => sql`
  LEFT JOIN LATERAL (
    SELECT ${sql.raw(utcText(`min(${t.transacted_at}) FILTER (WHERE ${t.kind} = 'sale')`))} AS first_visit_at,
           ${sql.raw(utcText(`max(${t.transacted_at}) FILTER (WHERE ${t.kind} = 'sale')`))} AS last_visit_at,
           (count(*) FILTER (WHERE ${sql.raw(t.kind)} = 'sale'))::int AS visit_count,
           coalesce(sum(CASE WHEN ${sql.raw(t.kind)} = 'sale' THEN ${sql.raw(t.total)} ELSE -abs(${sql.raw(
             t.total,
           )}) END), 0.00)::text AS lifetime_spend
      FROM transactions t
     WHERE ${tenant.where("t")} AND ${sql.raw(t.customer_id)} = ${sql.raw(c.id)}
       AND ${sql.raw(t.status)} = 'completed' AND ${sql.raw(t.deleted_at)} IS NULL
  ) v ON true`;

function toRecord(row: CustomerRow): CustomerRecord {
  const { first_visit_at, last_visit_at, visit_count, lifetime_spend, ...customer } = row;
  return { ...customer, visits: { first_visit_at, last_visit_at, visit_count, lifetime_spend } };
}

export interface CustomerFilters {
  updated_from?: InstantText;
  updated_to?: InstantText;
  created_from?: InstantText;
  created_to?: InstantText;
  phone?: string;
  email?: string;
  pos_user?: string;
}

/**
 * GET /v1/customers and its export: the change feed, or creation time (both axes have an index on
 * (merchant_id, <axis>_at, id)); customers belong to the merchant, not to a store, so a key limited
 * to some locations sees them all (and visit figures of its locations only).
 */
export const customerListing: Listing<CustomerFilters, CustomerRow, CustomerRecord, "customers"> = {
  scope: "customers.list",
  feed: "customers",
  prepare: "customers",
  table: "customers",
  alias: "c",
  axes: { updated: "updated_at", created: "created_at" },
  locations: false,
  pick: "rows",
  conditions: (filters) => [
    filters.phone && sql`${sql.ref(c.phone)} = ${filters.phone}`,
    filters.email && sql`${sql.ref(c.email)} = ${filters.email}`,
    filters.pos_user && sql`${sql.ref(c.pos_user)} = ${filters.pos_user}`,
  ],
  body: ({ tenant, axis }) =>
    sql<CustomerRow>`SELECT ${COLUMNS}, v.*
  FROM page c ${visits(tenant)}
 ORDER BY ${sql.raw(axis.column)}, ${sql.raw(c.id)}`,
  rows: (raw) => raw.map(toRecord),
  positionOf: (record, axis) => [axis.name === "created" ? record.created_at : record.updated_at, record.id],
};

/** One customer of the key's merchant, or null (another merchant's customer does not exist here). */
export async function loadCustomerRecord(
  db: Db,
  auth: Pick<AuthContext, "merchantId" | "locationIds">,
  id: string,
): Promise<CustomerRecord | null> {
  const tenant = tenantOf(auth);
  const row = await first(
    db.pool,
    tenantStatement(
      tenant,
      sql<CustomerRow>`SELECT ${COLUMNS}, v.* FROM customers c ${visits(tenant)}
        WHERE ${tenant.where("c", { locations: false })} AND ${sql.ref(c.id)} = ${id}::uuid`,
      { prepare: "customer" },
    ),
  );
  return row ? toRecord(row) : null;
}
