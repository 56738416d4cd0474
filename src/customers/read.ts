// Reading customers: the SQL of the list and of one record. Visit figures come from the same
// statement (a LATERAL aggregate per customer of the page, on the index
// transactions(merchant_id, customer_id, transacted_at)), so a page costs one query however many
// customers it holds.
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { opaque, preparedStatement, rowsBound } from "../lib/stable-plan.js";
import { utcText } from "../lib/sync-feed.js";
import type { CustomerRecord } from "./schemas.js";

/** A row as the SQL returns it: already in the record's shape, flat. */
export interface CustomerRow {
  id: string;
  pos_user: string;
  pos_type: "in_store" | "online";
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  birthday: string | null;
  gender: string | null;
  loyalty_opt_in: boolean;
  loyalty_changed_at: string | null;
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
  first_visit_at: string | null;
  last_visit_at: string | null;
  visit_count: number;
  lifetime_spend: string;
}

const COLUMNS = `
  c.id, c.pos_user, c.pos_type::text AS pos_type, c.email, c.phone, c.first_name, c.last_name,
  c.address1, c.address2, c.city, c.state, c.zip, to_char(c.birthday, 'YYYY-MM-DD') AS birthday, c.gender,
  c.loyalty_opt_in, ${utcText("c.loyalty_changed_at")} AS loyalty_changed_at, ${utcText("c.deleted_at")} AS deleted_at,
  ${utcText("c.created_at")} AS created_at, ${utcText("c.updated_at")} AS updated_at`;

/**
 * Visit figures of customer `c`, from its non-voided, non-deleted transactions; `$1` is the
 * merchant, `$2` the key's locations (null: all). A refund counts against the spend whatever the
 * sign the POS gave its total.
 */
const VISITS = `
  LEFT JOIN LATERAL (
    SELECT ${utcText("min(t.transacted_at) FILTER (WHERE t.kind = 'sale')")} AS first_visit_at,
           ${utcText("max(t.transacted_at) FILTER (WHERE t.kind = 'sale')")} AS last_visit_at,
           (count(*) FILTER (WHERE t.kind = 'sale'))::int AS visit_count,
           coalesce(sum(CASE WHEN t.kind = 'sale' THEN t.total ELSE -abs(t.total) END), 0.00)::text AS lifetime_spend
      FROM transactions t
     WHERE t.merchant_id = $1 AND t.customer_id = c.id
       AND t.status = 'completed' AND t.deleted_at IS NULL
       AND ($2::uuid[] IS NULL OR t.location_id = ANY($2::uuid[]))
  ) v ON true`;

function toRecord(row: CustomerRow): CustomerRecord {
  const { first_visit_at, last_visit_at, visit_count, lifetime_spend, ...customer } = row;
  return { ...customer, visits: { first_visit_at, last_visit_at, visit_count, lifetime_spend } };
}

export interface CustomerPageFilter {
  axis: "updated" | "created";
  /** Inclusive lower bound on the axis (ISO text). */
  from?: string;
  /** Exclusive upper bound on the axis (ISO text): the feed's horizon or the client's `*_to`. */
  to?: string;
  /** Continue strictly after this (axis time, id). */
  after?: [string, string];
  phone?: string;
  email?: string;
  posUser?: string;
  /** Rows to fetch (the page's limit + 1, to know whether more follow). */
  take: number;
}

/** One page of a merchant's customers in (axis time, id) order, with their visit figures. */
export async function readCustomerPage(
  db: Db,
  auth: AuthContext,
  filter: CustomerPageFilter,
): Promise<{ record: CustomerRecord; position: [string, string] }[]> {
  const { text, values } = customerPageQuery(auth, filter);
  const { rows } = await db.pool.query<CustomerRow>(preparedStatement("customers", text, values));
  return customerPageRecords(rows, filter.axis);
}

/** The rows of customerPageQuery as records with their positions on the axis. */
export const customerPageRecords = (rows: CustomerRow[], axis: CustomerPageFilter["axis"]) =>
  rows.map((row) => ({ record: toRecord(row), position: [row[`${axis}_at`], row.id] as [string, string] }));

/** The SQL of readCustomerPage, for callers that run it on a connection of their own (the export). */
export function customerPageQuery(auth: AuthContext, filter: CustomerPageFilter): { text: string; values: unknown[] } {
  const params: unknown[] = [auth.merchantId, auth.locationIds];
  const param = (value: unknown) => `$${params.push(value)}`;
  // The merchant and the time bounds hidden from the planner, so a warm connection keeps one plan (lib/stable-plan.ts).
  const hidden = (value: unknown, cast: string) => opaque(`${param(value)}${cast}`);
  // Both axes have an index on (merchant_id, <axis>_at, id): the range and the keyset below use it.
  const at = `c.${filter.axis}_at`;
  const where = [`c.merchant_id = ${opaque("$1::uuid")}`];
  if (filter.from) where.push(`${at} >= ${hidden(filter.from, "::timestamptz")}`);
  if (filter.to) where.push(`${at} < ${hidden(filter.to, "::timestamptz")}`);
  if (filter.after)
    where.push(`(${at}, c.id) > (${hidden(filter.after[0], "::timestamptz")}, ${hidden(filter.after[1], "::uuid")})`);
  if (filter.phone) where.push(`c.phone = ${param(filter.phone)}`);
  if (filter.email) where.push(`c.email = ${param(filter.email)}`);
  if (filter.posUser) where.push(`c.pos_user = ${param(filter.posUser)}`);

  const text = `WITH page AS (
       SELECT * FROM (
         SELECT c.* FROM customers c
          WHERE ${where.join(" AND ")}
          ORDER BY ${at}, c.id
          LIMIT ${rowsBound(filter.take)}
       ) bounded
       ORDER BY ${filter.axis}_at, id
       LIMIT ${param(filter.take)}
     )
     SELECT ${COLUMNS}, v.*
       FROM page c ${VISITS}
      ORDER BY ${at}, c.id`;
  return { text, values: params };
}

/** One customer of the key's merchant, or null (another merchant's customer does not exist here). */
export async function loadCustomerRecord(db: Db, auth: AuthContext, id: string): Promise<CustomerRecord | null> {
  const { rows } = await db.pool.query<CustomerRow>(
    preparedStatement(
      "customer",
      `SELECT ${COLUMNS}, v.* FROM customers c ${VISITS} WHERE c.merchant_id = $1 AND c.id = $3`,
      [auth.merchantId, auth.locationIds, id],
    ),
  );
  return rows[0] ? toRecord(rows[0]) : null;
}
