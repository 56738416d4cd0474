// GET /v1/transactions (the lossless change feed by default, or by business time) and
// GET /v1/transactions/{id}; both in our shape or, with format=aiq, in AIQ's createUpdateSale shape.
// The JSON is rendered by PostgreSQL and sent as text (see read.ts).
import { z } from "zod";
import { notFound } from "../lib/errors.js";
import { outOfRangeResponse } from "../lib/instant.js";
import { feedPageSchema } from "../lib/paging.js";
import { prose } from "../lib/prose.js";
import { defineRoute } from "../lib/route.js";
import { countRowsServed } from "../metrics/http.js";
import { aiqVisitSchema } from "./aiq-format.js";
import { listTransactionsJson, loadTransactionJson } from "./read.js";
import { transactionGetQuery, transactionIdParams, transactionListQuery, transactionRecordSchema } from "./schemas.js";

const listSchema = <T extends z.ZodType>(item: T) =>
  feedPageSchema(item, { params: "transacted_*", walk: "business time" });

const problem = { description: "Problem details (RFC 9457)." };

// Both answer the JSON text PostgreSQL rendered, as is (respond.jsonText): no parse, no
// re-serialisation, and no ETag (a feed page is read once; hashing megabytes per page would cost
// more than it could save).

export const transactionRoutes = [
  defineRoute({
    method: "get",
    path: "/v1/transactions",
    operationId: "listTransactions",
    summary: "Transactions by change time (lossless feed) or business time, with lines, cost, margin and stock",
    description: prose`
      Without a transacted_* range, the change feed: ordered by (updated_at, id) and served only up to the feed's
      horizon, so a receipt whose write commits late is never skipped. Keep polling with \`next_cursor\`, even when
      has_more is false: it resumes exactly after everything served. With transacted_from/transacted_to: ordered by
      (transacted_at, id), for backfills by sale date. Voids, refunds and deletions (tombstones) are served like any
      change.
    `,
    tags: ["Transactions"],
    scope: "transactions:read",
    feed: true,
    query: transactionListQuery,
    responses: {
      200: {
        description: "A page of transactions, as records (format=standard) or as AIQ visits (format=aiq).",
        schema: z.union([listSchema(transactionRecordSchema), listSchema(aiqVisitSchema)]),
      },
      400: problem,
      401: problem,
      403: problem,
      422: outOfRangeResponse(),
    },
    handler: async ({ db, config, auth, query, res, respond }) => {
      const { json, records } = await listTransactionsJson(db, config.CURSOR_SECRET, auth, query);
      countRowsServed(res, "page", records);
      return respond.jsonText(200, json);
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/transactions/{id}",
    operationId: "getTransaction",
    summary: "One transaction, with lines, cost, margin and stock",
    description: prose`
      Another merchant's transaction, or one at a location the key is not limited to, is a 404 as if it did not exist.
    `,
    tags: ["Transactions"],
    scope: "transactions:read",
    query: transactionGetQuery,
    params: transactionIdParams,
    responses: {
      200: {
        description: "The transaction (format=standard) or its AIQ visit (format=aiq).",
        schema: z.union([transactionRecordSchema, aiqVisitSchema]),
      },
      400: problem,
      401: problem,
      403: problem,
      404: problem,
    },
    handler: async ({ db, auth, query, params, respond }) => {
      const json = await loadTransactionJson(db, auth, params.id, query.format);
      if (json === null) throw notFound("transaction");
      return respond.jsonText(200, json);
    },
  }),
];
