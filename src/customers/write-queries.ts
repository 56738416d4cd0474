// The SQL of customer writes (PUT from the POS, PATCH from AIQ), typed from schema.prisma
// (src/db/sql.ts) and scoped to the key's merchant by db/tenant.ts.
import { type ExpressionBuilder, sql } from "kysely";
import { v7 as uuidv7 } from "uuid";
import { columnsOf, type DB, qb, type Row, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import type { Channel } from "../generated/kysely/enums.js";
import { utcText } from "../lib/sync-feed.js";

/** The columns a POS write replaces, in table order. */
export const REPLACED_COLUMNS = [
  "pos_type",
  "email",
  "phone",
  "first_name",
  "last_name",
  "address1",
  "address2",
  "city",
  "state",
  "zip",
  "birthday",
  "gender",
] as const satisfies readonly (keyof Row<"customers">)[];
export type ReplacedColumn = (typeof REPLACED_COLUMNS)[number];

/** A customer's replaced columns as a write states them (birthday as YYYY-MM-DD text). */
export type CustomerColumns = Record<ReplacedColumn, string | null>;

/** The change time as microsecond RFC 3339 text: a JS Date would lose the microseconds the ETag needs. */
const updatedAtText = sql.raw<string>(utcText(columnsOf("customers").updated_at));

type Customers = ExpressionBuilder<DB, "customers">;
const listOf = (table: "customers" | "excluded") =>
  sql.join(REPLACED_COLUMNS.map((column) => sql.ref(`${table}.${column}`)));

/**
 * Creates or replaces the customer `posUser`: one INSERT … ON CONFLICT DO UPDATE that writes only
 * when something differs (so an identical write changes nothing, not even the change time), and
 * restores a deleted one. loyalty_opt_in moves only when `loyalty` states it (null: not stated);
 * stating it for the first time records when. Returns nothing for an identical write.
 */
export function upsertCustomerStatement(
  tenant: Tenant,
  posUser: string,
  columns: CustomerColumns,
  loyalty: boolean | null,
) {
  const stated = sql<boolean | null>`${loyalty}::boolean`;
  const loyaltyMoves = (eb: Customers) =>
    sql<boolean>`${stated} IS NOT NULL AND (${stated} IS DISTINCT FROM ${eb.ref("customers.loyalty_opt_in")}
      OR ${eb.ref("customers.loyalty_changed_at")} IS NULL)`;
  const query = qb
    .insertInto("customers")
    .values({
      id: uuidv7(),
      merchant_id: tenant.merchant,
      pos_user: posUser,
      ...columns,
      pos_type: columns.pos_type as Channel,
      loyalty_opt_in: sql<boolean>`coalesce(${stated}, false)`,
      loyalty_changed_at: sql<Date | null>`CASE WHEN ${stated} IS NULL THEN NULL ELSE now() END`,
    })
    .onConflict((conflict) =>
      conflict
        .columns(["merchant_id", "pos_user"])
        .doUpdateSet((eb) => ({
          ...Object.fromEntries(REPLACED_COLUMNS.map((column) => [column, eb.ref(`excluded.${column}`)])),
          loyalty_opt_in: sql<boolean>`coalesce(${stated}, ${eb.ref("customers.loyalty_opt_in")})`,
          loyalty_changed_at: sql<Date | null>`CASE WHEN ${loyaltyMoves(eb)} THEN now()
            ELSE ${eb.ref("customers.loyalty_changed_at")} END`,
          deleted_at: null,
        }))
        .where((eb) =>
          eb.or([
            sql<boolean>`(${listOf("customers")}) IS DISTINCT FROM (${listOf("excluded")})`,
            loyaltyMoves(eb),
            eb("customers.deleted_at", "is not", null),
          ]),
        ),
    )
    .returning(["customers.id", sql<boolean>`(xmax = 0)`.as("created"), "customers.loyalty_opt_in"]);
  return tenantStatement(tenant, query);
}

/** The id of the merchant's customer `posUser`. */
export const customerIdByPosUser = (tenant: Tenant, posUser: string) =>
  tenantStatement(
    tenant,
    qb
      .selectFrom("customers as c")
      .select("c.id")
      .where("c.pos_user", "=", posUser)
      .where(tenant.where("c", { locations: false })),
  );

/** Locks the merchant's customer `id` for a PATCH: whether it is deleted, and its change time as text. */
export const lockCustomerStatement = (tenant: Tenant, id: string) =>
  tenantStatement(
    tenant,
    qb
      .selectFrom("customers")
      .select((eb) => [eb("customers.deleted_at", "is not", null).as("deleted"), updatedAtText.as("updated_at")])
      .where("customers.id", "=", id)
      .where(tenant.where("customers", { locations: false }))
      .forUpdate(),
  );

/** The columns a PATCH sends (undefined: not sent) and the loyalty it states. */
export type CustomerPatchColumns = Partial<CustomerColumns> & { loyalty_opt_in?: boolean };

/**
 * Writes the columns a PATCH sent to the merchant's customer `id` (locked by lockCustomerStatement);
 * returns its change time as text (unchanged when no value differed).
 */
export function patchCustomerStatement(tenant: Tenant, id: string, values: CustomerPatchColumns) {
  const sent = Object.fromEntries(REPLACED_COLUMNS.filter((c) => values[c] !== undefined).map((c) => [c, values[c]]));
  const loyalty = values.loyalty_opt_in;
  const query = qb
    .updateTable("customers")
    .set(sent)
    .$if(loyalty !== undefined, (q) =>
      q.set((eb) => {
        const stated = sql<boolean>`${loyalty}::boolean`;
        return {
          loyalty_opt_in: stated,
          loyalty_changed_at: sql<Date | null>`CASE
            WHEN ${stated} IS DISTINCT FROM ${eb.ref("customers.loyalty_opt_in")}
              OR ${eb.ref("customers.loyalty_changed_at")} IS NULL THEN now()
            ELSE ${eb.ref("customers.loyalty_changed_at")} END`,
        };
      }),
    )
    .where("customers.id", "=", id)
    .where(tenant.where("customers", { locations: false }))
    .returning(updatedAtText.as("updated_at"));
  return tenantStatement(tenant, query);
}
