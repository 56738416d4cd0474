// GET /v1/customers (the change feed by default, or by creation time; lookups by phone and email)
// and GET /v1/customers/{id}. Customers belong to the merchant, not to a store: any key of the
// merchant sees them all; a key limited to some locations sees visit figures of those only.
import { z } from "zod";
import { notFound } from "../lib/errors.js";
import { outOfRangeResponse } from "../lib/instant.js";
import { recordsOrAiqPage } from "../lib/list-page.js";
import { feedPageSchema } from "../lib/paging.js";
import { prose } from "../lib/prose.js";
import { listFormatParam } from "../lib/record-format.js";
import { defineRoute } from "../lib/route.js";
import { aiqCustomerSchema, toAiqCustomer } from "./aiq-format.js";
import { customerEtag } from "./etag.js";
import { customerListQuery } from "./list-query.js";
import { customerListing, loadCustomerRecord } from "./read.js";
import { customerRecordSchema } from "./schemas.js";

const listSchema = <T extends z.ZodType>(item: T) =>
  feedPageSchema(item, { params: "created_*", walk: "creation time" });

const problem = { description: "Problem details (RFC 9457)." };

export const customerRoutes = [
  defineRoute({
    method: "get",
    path: "/v1/customers",
    operationId: "listCustomers",
    summary: "Customers by change time (lossless feed) or creation time; lookup by phone or email",
    description: prose`
      Without a created_* range, the change feed: ordered by (updated_at, id), served up to the feed's horizon, so a
      customer whose write commits late is never skipped. Poll again with \`next_cursor\` even when has_more is false.
      With created_from/created_to: ordered by (created_at, id), for backfills. \`phone\`, \`email\` and \`pos_user\`
      narrow either walk.
    `,
    tags: ["Customers"],
    scope: "customers:read",
    feed: true,
    query: customerListQuery,
    responses: {
      200: {
        description: "A page of customers, as records (format=standard) or as AIQ members (format=aiq).",
        schema: z.union([listSchema(customerRecordSchema), listSchema(aiqCustomerSchema)]),
      },
      400: problem,
      401: problem,
      403: problem,
      422: outOfRangeResponse(),
    },
    handler: recordsOrAiqPage(customerListing, toAiqCustomer),
  }),
  defineRoute({
    method: "get",
    path: "/v1/customers/{id}",
    operationId: "getCustomer",
    summary: "One customer, with visit figures",
    tags: ["Customers"],
    scope: "customers:read",
    query: z.strictObject({ format: listFormatParam }),
    params: z.strictObject({ id: z.guid().describe("The customer's id (this service's, as in `id` of the list).") }),
    responses: {
      200: {
        description: prose`
          The customer (a tombstone when deleted_at is set), as a record (format=standard) or as AIQ's member
          (format=aiq).
        `,
        schema: z.union([customerRecordSchema, aiqCustomerSchema]),
        headers: { ETag: { description: "The customer's version: send it as If-Match on PATCH /v1/customers/{id}." } },
      },
      400: problem,
      401: problem,
      403: problem,
      404: { description: "No such customer for this key's merchant." },
    },
    handler: async ({ db, auth, query, params, res }) => {
      const record = await loadCustomerRecord(db, auth, params.id);
      if (!record) throw notFound("customer");
      // The version PATCH's If-Match compares (src/customers/etag.ts), not Express's body hash: the same in either
      // format.
      res.setHeader("ETag", customerEtag(record));
      return query.format === "aiq" ? toAiqCustomer(record) : record;
    },
  }),
];
