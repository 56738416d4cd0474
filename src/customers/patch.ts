// PATCH /v1/customers/{id}: AIQ's override. Only the columns sent are written, in one UPDATE under
// the row's lock, so concurrent PATCHes of different fields all survive; with If-Match, the
// version is compared under that lock (412 when it moved on). The change time moves only when a
// value really changed.
import { recordAudit } from "../audit/record.js";
import type { Db } from "../db/client.js";
import { first } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { AppError, notFound, type ProblemIssue } from "../lib/errors.js";
import { type WriteResult, withTransaction } from "../lib/write-transaction.js";
import { normalizeContactFields } from "./contact-fields.js";
import { customerEtag, ifMatchAllows } from "./etag.js";
import { blankToNull, REPLACED_COLUMNS } from "./put.js";
import { lockCustomerStatement, patchCustomerStatement } from "./write-queries.js";
import {
  AIQ_PATCH_ALIASES,
  type AiqPatchAlias,
  type CustomerPatchBody,
  type CustomerPatchValues,
} from "./write-schemas.js";

export const VIA_PATCH = "PATCH /v1/customers/{id}";

/** Our names for the fields of a PATCH body (AIQ's aliases resolved), and the name each was sent under. */
function inOurNames(body: CustomerPatchBody): { values: Record<string, unknown>; sentAs: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const sentAs: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const field = AIQ_PATCH_ALIASES[name as AiqPatchAlias] ?? name;
    values[field] = value;
    sentAs[field] = name;
  }
  return { values, sentAs };
}

/**
 * The body in our names (AIQ's aliases resolved), blank text as null, phone/email normalised;
 * 422 naming each invalid one under the name it was sent as. An empty phone or email is refused
 * rather than read as "clear it": AIQ blanks an invalid phone, so a "" from it is more likely a
 * lost value than a wish to erase one; null clears.
 */
export function patchValues(body: CustomerPatchBody): CustomerPatchValues {
  const { values, sentAs } = inOurNames(body);
  const issues: ProblemIssue[] = [];
  for (const field of ["phone", "email"] as const) {
    const value = values[field];
    if (typeof value === "string" && value.trim() === "") {
      issues.push({
        location: `body.${sentAs[field]}`,
        message: `An empty ${field} is not a ${field}; send null to clear it.`,
        code: `invalid_${field}`,
      });
      delete values[field];
    }
  }
  for (const column of REPLACED_COLUMNS) {
    if (column !== "pos_type" && typeof values[column] === "string")
      values[column] = blankToNull(values[column] as string);
  }
  const normalised = normalizeContactFields(values as CustomerPatchValues, "body");
  for (const issue of normalised.issues) {
    const field = issue.location.slice("body.".length);
    issues.push({ ...issue, location: `body.${sentAs[field] ?? field}` });
  }
  if (issues.length)
    throw new AppError(
      "unprocessable",
      `The body has ${issues.length} invalid ${issues.length === 1 ? "value" : "values"}.`,
      { issues },
    );
  return normalised.fields;
}

/** Applies the PATCH; throws 404 / 409 / 412 as the customer's state demands. */
export async function patchCustomer(
  db: Db,
  auth: AuthContext,
  id: string,
  values: CustomerPatchValues,
  ifMatch: string | undefined,
): Promise<WriteResult> {
  return withTransaction(db.pool, async (client) => {
    const tenant = tenantOf(auth);
    const current = await first(client, lockCustomerStatement(tenant, id));
    if (!current) throw notFound("customer");
    const etag = customerEtag({ id, updated_at: current.updated_at });
    if (ifMatch !== undefined && !ifMatchAllows(ifMatch, etag)) {
      throw new AppError(
        "precondition_failed",
        "The customer changed since the version named in If-Match; read it again and retry.",
        {
          headers: { ETag: etag },
          issues: [{ location: "header.if-match", message: `The current version is ${etag}.`, code: "stale_version" }],
        },
      );
    }
    if (current.deleted)
      throw new AppError("conflict", "The customer was deleted (it is a tombstone) and can no longer be updated.");

    const written = await first(client, patchCustomerStatement(tenant, id, values));
    if (written!.updated_at === current.updated_at) return "unchanged";
    const sent = Object.keys(values).filter((name) => values[name as keyof CustomerPatchValues] !== undefined);
    await recordAudit(client, auth, [
      {
        action: "patch",
        entity: "customer",
        entityId: id,
        // Names of the fields sent, never their values (personal data); consent is recorded as a fact.
        detail: {
          via: VIA_PATCH,
          fields: sent,
          ...(values.loyalty_opt_in === undefined ? {} : { loyalty_opt_in: values.loyalty_opt_in }),
        },
      },
    ]);
    return "updated";
  });
}
