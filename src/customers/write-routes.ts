// PUT /v1/customers/{pos_user} (the POS creates or replaces its customer; scope pos:write) and
// PATCH /v1/customers/{id} (AIQ's override of an existing contact; scope contacts:write). Both
// answer the customer record with its ETag, the version PATCH's If-Match compares.
import { z } from "zod";
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { AppError } from "../lib/errors.js";
import { idempotencyDocs, idempotencyHeaders, idempotent } from "../lib/idempotency.js";
import { problemDetailsSchema } from "../lib/problem-schema.js";
import { prose } from "../lib/prose.js";
import { defineRoute } from "../lib/route.js";
import { WRITE_RESULT_HEADER, writeResultHeaderDoc } from "../lib/write-result.js";
import { type WriteResult, withTransaction } from "../lib/write-transaction.js";
import { customerEtag } from "./etag.js";
import { patchCustomer, patchValues } from "./patch.js";
import { customerReplacement, upsertCustomer } from "./put.js";
import { loadCustomerRecord } from "./read.js";
import { type CustomerRecord, customerRecordSchema } from "./schemas.js";
import { customerPatchBody, customerPatchParams, customerPutBody, customerPutParams } from "./write-schemas.js";

const problem = (description: string) => ({ description, schema: problemDetailsSchema });
const etagHeader = {
  ETag: { description: "The customer's version: send it as If-Match on PATCH to update only that version." },
};
const ifMatchHeader = z
  .string()
  .optional()
  .describe(prose`
    The ETag of your read: the update applies only to that version (412 when the customer changed since). \`*\`: any
    current version.
  `)
  .meta({ example: '"k3Jx0bq4Vb0m2Qe5TfS1aZ9yW8u"' });

async function recordOf(db: Db, auth: AuthContext, id: string): Promise<CustomerRecord> {
  const record = await loadCustomerRecord(db, auth, id);
  if (!record) throw new Error(`customer ${id} vanished after its write`);
  return record;
}

/** The headers of a written customer's answer. */
const writtenHeaders = (record: CustomerRecord, result: WriteResult) => ({
  ETag: customerEtag(record),
  [WRITE_RESULT_HEADER]: result,
});

export const customerWriteRoutes = [
  defineRoute({
    method: "put",
    path: "/v1/customers/{pos_user}",
    operationId: "putCustomer",
    summary: "Create or replace a customer (from the POS)",
    description: prose`
      Idempotent: the same body twice changes nothing (not even updated_at). The body replaces the POS's fields
      (omitted: null) except loyalty_opt_in, which only changes when sent: a customer who opted out is never opted back
      in by a write that does not say \`loyalty_opt_in: true\`. A deleted customer written again is restored. An invalid
      phone or email is a 422 naming it.
    `,
    tags: ["POS"],
    scope: "pos:write",
    query: z.strictObject({}),
    params: customerPutParams,
    body: customerPutBody,
    responses: {
      200: {
        description: "Replaced (or unchanged: see Write-Result).",
        schema: customerRecordSchema,
        headers: { ...etagHeader, ...writeResultHeaderDoc },
      },
      201: {
        description: "Created.",
        schema: customerRecordSchema,
        headers: { ...etagHeader, ...writeResultHeaderDoc, Location: { description: "The customer's URL." } },
      },
      400: problem("Malformed body: wrong types, unknown fields."),
      401: problem("No valid key."),
      403: problem("The key lacks pos:write."),
      413: problem("The body is too large."),
      415: problem("The body is not application/json."),
      422: problem("An invalid phone or email, or a birthday outside its range (code out_of_range), each named."),
    },
    handler: async ({ db, auth, params, body, res, respond }) => {
      const { value, issues } = customerReplacement(body, "body");
      if (issues.length)
        throw new AppError(
          "unprocessable",
          `The body has ${issues.length} invalid ${issues.length === 1 ? "value" : "values"}.`,
          { issues },
        );
      const written = await withTransaction(db.pool, (client) =>
        upsertCustomer(client, auth, params.pos_user, value, "PUT /v1/customers/{pos_user}"),
      );
      if (written.result === "created") res.setHeader("Location", `/v1/customers/${written.id}`);
      const record = await recordOf(db, auth, written.id);
      return respond.json(written.result === "created" ? 201 : 200, record, writtenHeaders(record, written.result));
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/customers/{id}",
    operationId: "patchCustomer",
    summary: "Update some fields of a customer (AIQ's override)",
    description: prose`
      Only the fields sent change; null clears one. AIQ's own names are accepted: mobilephone (its override's) and
      phone_number (its member's) for phone, loyalty for loyalty_opt_in (one name per field). Phone is normalised to
      E.164 and email lower-cased; an invalid one, or an empty one, is a 422 naming the field as sent (nothing is
      silently blanked: null clears). loyalty_opt_in changes only when sent. Optimistic concurrency: send the ETag of
      your read as If-Match to update only that version (412 when it changed since). Without If-Match, concurrent
      PATCHes of different fields all apply. ${idempotencyDocs.description}
    `,
    tags: ["Contacts"],
    scope: "contacts:write",
    query: z.strictObject({}),
    params: customerPatchParams,
    headers: z.object({ ...idempotencyHeaders, "If-Match": ifMatchHeader }),
    body: customerPatchBody,
    responses: {
      200: {
        description: "The customer after the update.",
        schema: customerRecordSchema,
        headers: { ...etagHeader, ...writeResultHeaderDoc, ...idempotencyDocs.replayedHeader },
      },
      400: problem("Malformed body: wrong types, unknown fields, no field at all, a field sent under two names."),
      401: problem("No valid key."),
      403: problem("The key lacks contacts:write."),
      404: problem("No such customer for this key's merchant."),
      409: problem("The customer was deleted, or a request with the same Idempotency-Key is still running."),
      412: problem("If-Match names a version that is no longer current (the current ETag is in the ETag header)."),
      422: problem(
        "An invalid or empty phone or email, or a birthday outside its range (code out_of_range), each named; or an " +
          "Idempotency-Key reused with another request.",
      ),
    },
    handler: async (ctx) => {
      const { db, auth, params, body, req, respond } = ctx;
      const values = patchValues(body);
      return idempotent(
        ctx,
        async () => {
          const result = await patchCustomer(db, auth, params.id, values, req.get("If-Match"));
          const record = await recordOf(db, auth, params.id);
          return respond.json(200, record, writtenHeaders(record, result));
        },
        (body) => ({ ETag: customerEtag(body as CustomerRecord) }),
      );
    },
  }),
];
