// Query parameters of GET /v1/customers: one time axis (change time, the default and the one a
// poller syncs on, or creation time, for backfills), lookups by phone or email, paging, format.
import { z } from "zod";
import { emailSchema, phoneSchema } from "../lib/contact.js";
import { pagingParams } from "../lib/paging.js";
import { changeTimeParams, checkTimeRanges, instant } from "../lib/time-range.js";

export const createdTimeParams = {
  created_from: instant.optional().describe("Creation time, inclusive: customers created at or after this instant."),
  created_to: instant.optional().describe("Creation time, exclusive: customers created before this instant."),
};

const RANGE_PARAMS = ["updated_from", "updated_to", "created_from", "created_to", "transacted_from", "transacted_to"] as const;

/**
 * checkTimeRanges, listed beside every other issue: zod skips a refinement once any parameter is
 * invalid (which would hide "from >= to" or "two axes" behind, say, a bad limit), so this one runs
 * always, on the range values as far as they parsed. A malformed value still counts as sent (for
 * "one axis at a time") but compares as nothing (an Invalid Date).
 */
export const timeRangeRules = [
  (query: Partial<Record<(typeof RANGE_PARAMS)[number], unknown>>, ctx: z.RefinementCtx) =>
    checkTimeRanges(
      Object.fromEntries(RANGE_PARAMS.map((name) => [name, query[name] === undefined || query[name] instanceof Date ? query[name] : new Date(NaN)])),
      ctx,
    ),
  { when: () => true },
] as const;

export const listFormatParam = z
  .enum(["standard", "aiq"])
  .default("standard")
  .describe(
    "standard: this service's records. aiq: each record in AIQ's own push shape (see the AIQ mapping in the README). Only the rendering changes: a cursor stays valid across formats.",
  );

export const customerListQuery = z
  .strictObject({
    ...changeTimeParams,
    ...createdTimeParams,
    phone: phoneSchema.optional().describe("Only the customers with this phone, in any common format (normalised to E.164 before matching)."),
    email: emailSchema.optional().describe("Only the customers with this email (matched lower-cased)."),
    format: listFormatParam,
    ...pagingParams,
  })
  .superRefine(...timeRangeRules);

export type CustomerListQuery = z.output<typeof customerListQuery>;

/** Which order a list walks: the change-time feed unless a creation-time range is given. */
export const customerAxisOf = (query: CustomerListQuery): "updated" | "created" =>
  query.created_from || query.created_to ? "created" : "updated";
