// The two time axes of the lists, as shared query parameters with their boundary rules:
// change time (updated_from/updated_to, what a poller syncs on) and business time
// (transacted_from/transacted_to). Both half-open [from, to); never both axes at once.
import { z } from "zod";

export const instant = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  // Year 0000 (or 0001 with an offset east of UTC) is a valid RFC 3339 text but no year PostgreSQL
  // takes in ISO form: refused here, naming the parameter, not by the database.
  .refine((date) => date.getUTCFullYear() >= 1, { message: "Too early: the instant must fall in the year 0001 or later (UTC)." })
  .describe("RFC 3339 timestamp with any offset, e.g. 2026-11-01T00:00:00Z or 2026-11-01T00:00:00-07:00.");

export const changeTimeParams = {
  updated_from: instant.optional().describe("Change time, inclusive: records changed at or after this instant."),
  updated_to: instant.optional().describe("Change time, exclusive: records changed before this instant."),
};

export const businessTimeParams = {
  transacted_from: instant.optional().describe("Business time, inclusive: transactions that happened at or after this instant."),
  transacted_to: instant.optional().describe("Business time, exclusive: transactions that happened before this instant."),
};

type Ranges = Partial<Record<"updated_from" | "updated_to" | "transacted_from" | "transacted_to" | "created_from" | "created_to", Date>>;

/** Adds the rules shared by every list with time ranges: from < to, and one axis at a time. */
export function checkTimeRanges(query: Ranges, ctx: z.RefinementCtx) {
  for (const axis of ["updated", "transacted", "created"] as const) {
    const from = query[`${axis}_from`];
    const to = query[`${axis}_to`];
    if (from && to && from >= to) {
      ctx.addIssue({ code: "custom", path: [`${axis}_to`], message: `${axis}_to must be later than ${axis}_from (the range is [from, to)).` });
    }
  }
  const axes = (["updated", "transacted", "created"] as const).filter((a) => query[`${a}_from`] || query[`${a}_to`]);
  if (axes.length > 1) {
    ctx.addIssue({
      code: "custom",
      path: [`${axes[1]}_from`],
      message: `Use one time axis at a time: ${axes.map((a) => `${a}_*`).join(" and ")} were both sent.`,
    });
  }
}

const RANGE_PARAMS = ["updated_from", "updated_to", "created_from", "created_to", "transacted_from", "transacted_to"] as const;

/**
 * checkTimeRanges as a refinement that is listed beside every other issue: zod skips a refinement once any parameter is
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
