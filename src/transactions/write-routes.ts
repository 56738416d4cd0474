// The POS's receipt writes (scope pos:write): PUT /v1/transactions/{pos_id} (create or replace,
// idempotent), POST /v1/transactions/{pos_id}/void and POST /v1/transactions/batch. Single
// receipts answer the record exactly as GET /v1/transactions/{id} serves it.
import { z } from "zod";
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { idempotencyDocs, idempotencyHeaders, idempotent } from "../lib/idempotency.js";
import { loadWritableLocations } from "../lib/locations.js";
import { problemDetailsSchema, problemIssueSchema } from "../lib/problem-schema.js";
import { prose } from "../lib/prose.js";
import { defineRoute } from "../lib/route.js";
import { WRITE_RESULT_HEADER, writeResultHeaderDoc } from "../lib/write-result.js";
import { recordWriteOutcomes } from "../metrics/http.js";
import { writeBatch } from "./batch.js";
import { prepareReceipt, unprocessable, writeReceipt } from "./put.js";
import { loadTransactionRecord, readTransactionJson } from "./read.js";
import { type TransactionRecord, transactionRecordSchema } from "./schemas.js";
import { voidReceipt } from "./void.js";
import {
  batchBodySchema,
  MAX_BATCH_RECEIPTS,
  MAX_LINES,
  receiptBodySchema,
  receiptParams,
  voidBodySchema,
} from "./write-schemas.js";

export const VIA_PUT = "PUT /v1/transactions/{pos_id}";

const problem = (description: string) => ({ description, schema: problemDetailsSchema });

async function recordOf(db: Db, auth: AuthContext, id: string): Promise<TransactionRecord> {
  const record = await loadTransactionRecord(db, auth, id);
  if (!record) throw new Error(`transaction ${id} vanished after its write`);
  return record;
}

const batchItemSchema = z
  .object({
    pos_id: z.string().nullable().describe("The receipt's pos_id (null when it was missing or not a string)."),
    result: z.enum(["created", "updated", "unchanged", "error"]).describe("What happened to this receipt."),
    id: z.guid().optional().describe("Our id of the receipt, when written or unchanged."),
    status: z
      .number()
      .int()
      .optional()
      .describe("For an error: the HTTP status a PUT of this receipt alone would have answered."),
    code: z.string().optional().describe("For an error: its code, as in problem details."),
    detail: z.string().optional().describe("For an error: what went wrong."),
    errors: z
      .array(problemIssueSchema)
      .optional()
      .describe("For an error: every issue, located as body.receipts.<index>.<field>."),
  })
  .describe("The outcome of one receipt of the batch.");

const batchAnswerSchema = z.object({
  results: z.array(batchItemSchema).describe("One result per receipt, in the order sent."),
  summary: z
    .object({
      created: z.number().int().describe("Receipts created."),
      updated: z.number().int().describe("Receipts replaced by a different body."),
      unchanged: z.number().int().describe("Receipts whose body was already stored (nothing written)."),
      error: z.number().int().describe("Receipts not written, each with its errors."),
    })
    .describe("How many receipts had each result."),
});

export const transactionWriteRoutes = [
  defineRoute({
    method: "put",
    path: "/v1/transactions/{pos_id}",
    operationId: "putTransaction",
    summary: "Create or replace a receipt (sale or refund) with its lines",
    description: prose`
      Idempotent: the same body sent again changes nothing (not even updated_at); a different body replaces the receipt
      and all its lines and moves it forward on the change-time axis. Totals: the service computes them from the lines
      exactly and stores only those; \`totals\` sent by the POS are checked to the cent (422 naming each that differs).
      A refund names its sale in original_pos_id and has negative quantities; refunding more of a sku than remains is a
      422 per offending line. A SKU not seen yet is accepted (the line keeps its fields and links to the product when
      PUT /v1/inventory creates it). Unknown store, customer or employee: 422 naming the field. Voided receipts cannot
      be changed (409). Up to ${MAX_LINES} lines.
    `,
    tags: ["POS"],
    scope: "pos:write",
    query: z.strictObject({}),
    params: receiptParams,
    body: receiptBodySchema,
    responses: {
      200: {
        description: "Replaced, or unchanged (see Write-Result).",
        schema: transactionRecordSchema,
        headers: writeResultHeaderDoc,
      },
      201: {
        description: "Created.",
        schema: transactionRecordSchema,
        headers: {
          ...writeResultHeaderDoc,
          Location: { description: "The receipt's URL (GET /v1/transactions/{id})." },
        },
      },
      400: problem(
        "Malformed body: wrong types, missing or unknown fields, both or neither of location_id and location_pos_id.",
      ),
      401: problem("No valid key."),
      403: problem("The key lacks pos:write."),
      404: problem("The receipt exists at a store this key may not write to."),
      409: problem("The receipt is voided."),
      413: problem("The body is too large."),
      415: problem("The body is not application/json."),
      422: problem(
        "Every semantic problem listed: signs, totals, unknown store/customer/employee/sale, over-refund, " +
          "transacted_at outside its range (code out_of_range).",
      ),
    },
    handler: async ({ db, auth, params, body, res, respond }) => {
      const prepared = prepareReceipt(params.pos_id, body, await loadWritableLocations(db.pool, auth, [body]), "body");
      if ("issues" in prepared) throw unprocessable(prepared.issues);
      // A new sale's record is read in the round trip that writes it (put.ts writeReceipt's readBack).
      const { id, result, read } = await writeReceipt(db, auth, prepared, VIA_PUT, (client, id) =>
        readTransactionJson(client, auth, id, "standard"),
      );
      if (result === "created") res.setHeader("Location", `/v1/transactions/${id}`);
      const record = read ? (JSON.parse(read) as TransactionRecord) : await recordOf(db, auth, id);
      return respond.json(result === "created" ? 201 : 200, record, { [WRITE_RESULT_HEADER]: result });
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/transactions/{pos_id}/void",
    operationId: "voidTransaction",
    summary: "Void a receipt",
    description: prose`
      Marks the receipt voided with the time (voided_at, default now); the void appears in the transactions feed.
      Repeating it is harmless: the first void time stays and nothing changes. A sale with refunds cannot be voided
      until they are (409). ${idempotencyDocs.description}
    `,
    tags: ["POS"],
    scope: "pos:write",
    query: z.strictObject({}),
    params: receiptParams,
    headers: z.object(idempotencyHeaders),
    body: voidBodySchema.optional(),
    responses: {
      200: {
        description: "The voided receipt.",
        schema: transactionRecordSchema,
        headers: { ...writeResultHeaderDoc, ...idempotencyDocs.replayedHeader },
      },
      400: problem("Malformed body."),
      401: problem("No valid key."),
      403: problem("The key lacks pos:write."),
      404: problem("No such receipt for this key."),
      409: problem("The sale has refunds, or a request with the same Idempotency-Key is still running."),
      422: problem(
        "voided_at before the sale or outside its range (code out_of_range); or an Idempotency-Key reused with " +
          "another request.",
      ),
    },
    handler: async (ctx) => {
      const { db, auth, params, body, respond } = ctx;
      return idempotent(ctx, async () => {
        const { id, result } = await voidReceipt(db, auth, params.pos_id, body?.voided_at);
        return respond.json(200, await recordOf(db, auth, id), { [WRITE_RESULT_HEADER]: result });
      });
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/transactions/batch",
    operationId: "batchTransactions",
    summary: `Write up to ${MAX_BATCH_RECEIPTS} receipts in one call (backfills)`,
    description: prose`
      Each receipt is written as PUT /v1/transactions/{pos_id} would write it, in its own database transaction: one bad
      receipt is reported (result error, with its status and every issue) and the others are written. Results come back
      in the order sent; receipts with the same pos_id, and refunds of the same sale, are written in that order. The
      answer is 200 whenever the envelope is valid: read each result. At most ${MAX_BATCH_RECEIPTS} receipts per call,
      and the whole body must fit the body limit (BODY_LIMIT, 1 MB by default). ${idempotencyDocs.description}
    `,
    tags: ["POS"],
    scope: "pos:write",
    query: z.strictObject({}),
    headers: z.object(idempotencyHeaders),
    body: batchBodySchema,
    responses: {
      200: {
        description: "One result per receipt.",
        schema: batchAnswerSchema,
        headers: idempotencyDocs.replayedHeader,
      },
      400: problem("Malformed envelope: not { receipts: [...] }, empty, or more than the maximum."),
      401: problem("No valid key."),
      403: problem("The key lacks pos:write."),
      409: problem("A request with the same Idempotency-Key is still running."),
      413: problem("The body is too large."),
      422: problem("An Idempotency-Key reused with another request."),
    },
    handler: async (ctx) => {
      const { db, auth, body, req, respond } = ctx;
      return idempotent(ctx, async () => {
        const results = await writeBatch(db, auth, body.receipts, req.log);
        const summary = { created: 0, updated: 0, unchanged: 0, error: 0 };
        for (const r of results) summary[r.result]++;
        recordWriteOutcomes(ctx.res, summary);
        return respond.json(200, { results, summary });
      });
    },
  }),
];
