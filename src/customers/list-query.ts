// Query parameters of GET /v1/customers: one time axis (change time, the default and the one a
// poller syncs on, or creation time, for backfills), lookups by phone or email, paging, format.
import { z } from "zod";
import { emailSchema, phoneSchema } from "../lib/contact.js";
import { pagingParams } from "../lib/paging.js";
import { prose } from "../lib/prose.js";
import { listFormatParam } from "../lib/record-format.js";
import { changeTimeParams, rangeBound, timeRangeRules } from "../lib/time-range.js";

export const createdTimeParams = {
  created_from: rangeBound("Creation time, inclusive: customers created at or after this instant."),
  created_to: rangeBound("Creation time, exclusive: customers created before this instant."),
};

export const customerListQuery = z
  .strictObject({
    ...changeTimeParams,
    ...createdTimeParams,
    phone: phoneSchema
      .optional()
      .describe("Only the customers with this phone, in any common format (normalised to E.164 before matching)."),
    email: emailSchema.optional().describe("Only the customers with this email (matched lower-cased)."),
    pos_user: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(prose`
        Only the customer with this POS id (AIQ \`pos_user\`, unique per merchant): how AIQ finds a person it knows. At
        most one record.
      `),
    format: listFormatParam,
    ...pagingParams,
  })
  .superRefine(...timeRangeRules);

export type CustomerListQuery = z.output<typeof customerListQuery>;
