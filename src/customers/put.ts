// Create or replace a customer from the POS (PUT /v1/customers/{pos_user}, and a customer embedded
// in a receipt). One statement: INSERT … ON CONFLICT DO UPDATE only when something differs, so an
// identical write changes nothing, not even the change time. loyalty_opt_in only moves when the
// body states it; stating it for the first time records when (loyalty_changed_at).
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { recordAudit } from "../audit/record.js";
import type { AuthContext } from "../keys/scopes.js";
import type { ProblemIssue } from "../lib/errors.js";
import type { WriteResult } from "../lib/write-transaction.js";
import { normalizeContactFields } from "./contact-fields.js";
import type { CustomerPutBody } from "./write-schemas.js";

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
] as const;
type ReplacedColumn = (typeof REPLACED_COLUMNS)[number];

export type CustomerReplacement = Record<ReplacedColumn, string | null> & { loyalty_opt_in?: boolean };

/** An empty or blank text field means "none": stored as null, like an omitted one. */
export const blankToNull = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value.trim() === "" ? null : value;

/**
 * The row a PUT body stands for (omitted fields null, phone and email normalised), or the issues
 * of its invalid phone or email, located under `at`.
 */
export function customerReplacement(
  body: CustomerPutBody,
  at: string,
): { value: CustomerReplacement; issues: ProblemIssue[] } {
  const blanked = Object.fromEntries(
    REPLACED_COLUMNS.map((column) => [column, blankToNull(body[column] as string | null | undefined)]),
  ) as Record<ReplacedColumn, string | null>;
  const { fields, issues } = normalizeContactFields(blanked, at);
  return {
    value: {
      ...fields,
      pos_type: body.pos_type,
      ...(body.loyalty_opt_in === undefined ? {} : { loyalty_opt_in: body.loyalty_opt_in }),
    },
    issues,
  };
}

const COLUMN_LIST = REPLACED_COLUMNS.join(", ");
const PARAMS = REPLACED_COLUMNS.map((column, i) =>
  column === "pos_type" ? `$${i + 4}::"Channel"` : column === "birthday" ? `$${i + 4}::date` : `$${i + 4}`,
).join(", ");
const LOYALTY = `$${REPLACED_COLUMNS.length + 4}::boolean`;
const UPSERT = `
  INSERT INTO customers AS c (id, merchant_id, pos_user, ${COLUMN_LIST}, loyalty_opt_in, loyalty_changed_at)
  VALUES ($1, $2, $3, ${PARAMS}, coalesce(${LOYALTY}, false), CASE WHEN ${LOYALTY} IS NULL THEN NULL ELSE now() END)
  ON CONFLICT (merchant_id, pos_user) DO UPDATE SET
    ${REPLACED_COLUMNS.map((column) => `${column} = EXCLUDED.${column}`).join(", ")},
    loyalty_opt_in = coalesce(${LOYALTY}, c.loyalty_opt_in),
    loyalty_changed_at = CASE WHEN ${LOYALTY} IS NOT NULL AND (${LOYALTY} IS DISTINCT FROM c.loyalty_opt_in OR c.loyalty_changed_at IS NULL)
                              THEN now() ELSE c.loyalty_changed_at END,
    deleted_at = NULL
  WHERE (${REPLACED_COLUMNS.map((column) => `c.${column}`).join(", ")}) IS DISTINCT FROM (${REPLACED_COLUMNS.map((column) => `EXCLUDED.${column}`).join(", ")})
     OR (${LOYALTY} IS NOT NULL AND (${LOYALTY} IS DISTINCT FROM c.loyalty_opt_in OR c.loyalty_changed_at IS NULL))
     OR c.deleted_at IS NOT NULL
  RETURNING c.id, (c.xmax = 0) AS created, c.loyalty_opt_in`;

/**
 * Creates or replaces the customer `posUser` of the key's merchant, inside the caller's
 * transaction, and records the write in the audit trail. `via` names the route, for the trail.
 */
export async function upsertCustomer(
  client: pg.ClientBase,
  auth: AuthContext,
  posUser: string,
  value: CustomerReplacement,
  via: string,
): Promise<{ id: string; result: WriteResult }> {
  const { rows } = await client.query<{ id: string; created: boolean; loyalty_opt_in: boolean }>(UPSERT, [
    uuidv7(),
    auth.merchantId,
    posUser,
    ...REPLACED_COLUMNS.map((column) => value[column]),
    value.loyalty_opt_in ?? null,
  ]);
  const row = rows[0];
  if (!row) {
    const existing = await client.query<{ id: string }>(
      "SELECT id FROM customers WHERE merchant_id = $1 AND pos_user = $2",
      [auth.merchantId, posUser],
    );
    return { id: existing.rows[0]!.id, result: "unchanged" };
  }
  const result: WriteResult = row.created ? "created" : "updated";
  await recordAudit(client, auth, [
    {
      action: row.created ? "create" : "update",
      entity: "customer",
      entityId: row.id,
      // No personal data: which fields are known, not their values; consent is a fact AIQ needs to audit.
      detail: {
        via,
        pos_user: posUser,
        fields_present: REPLACED_COLUMNS.filter((c) => value[c] !== null),
        loyalty_opt_in: row.loyalty_opt_in,
      },
    },
  ]);
  return { id: row.id, result };
}
