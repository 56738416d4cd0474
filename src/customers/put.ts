// Create or replace a customer from the POS (PUT /v1/customers/{pos_user}, and a customer embedded
// in a receipt). One statement (customers/write-queries.ts): an identical write changes nothing, not
// even the change time; loyalty_opt_in only moves when the body states it.
import type pg from "pg";
import { recordAudit } from "../audit/record.js";
import { first } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import type { ProblemIssue } from "../lib/errors.js";
import type { WriteResult } from "../lib/write-transaction.js";
import { normalizeContactFields } from "./contact-fields.js";
import {
  type CustomerColumns,
  customerIdByPosUser,
  REPLACED_COLUMNS,
  upsertCustomerStatement,
} from "./write-queries.js";
import type { CustomerPutBody } from "./write-schemas.js";

export { REPLACED_COLUMNS };

export type CustomerReplacement = CustomerColumns & { loyalty_opt_in?: boolean };

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
  ) as CustomerColumns;
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
  const tenant = tenantOf(auth);
  const { loyalty_opt_in: loyalty, ...columns } = value;
  const row = await first(client, upsertCustomerStatement(tenant, posUser, columns, loyalty ?? null));
  if (!row) {
    // An identical write: the row is there, unchanged.
    return { id: (await first(client, customerIdByPosUser(tenant, posUser)))!.id, result: "unchanged" };
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
