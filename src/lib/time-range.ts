// The two time axes of the lists, as shared query parameters with their boundary rules:
// change time (updated_from/updated_to, what a poller syncs on) and business time
// (transacted_from/transacted_to). Both half-open [from, to); never both axes at once.
import type { z } from "zod";
import { checkedInstant, type InstantText, QUERY_RANGE, queryInstant } from "./instant.js";

/** A bound of a query range: any accepted format, kept to the microsecond (see instant.ts). */
export const rangeBound = (what: string) => {
  const bound = queryInstant(QUERY_RANGE, what);
  // A parameter's description and example are read from its outermost schema.
  return bound.optional().describe(bound.description!).meta({ example: "2026-10-01T18:30:00Z" });
};

export const changeTimeParams = {
  updated_from: rangeBound("Change time, inclusive: records changed at or after this instant."),
  updated_to: rangeBound("Change time, exclusive: records changed before this instant."),
};

export const businessTimeParams = {
  transacted_from: rangeBound("Business time, inclusive: transactions that happened at or after this instant."),
  transacted_to: rangeBound("Business time, exclusive: transactions that happened before this instant."),
};

/** Each bound: its normalised text, null when it was sent but is not a valid bound, undefined when not sent. */
type Ranges = Partial<
  Record<
    "updated_from" | "updated_to" | "transacted_from" | "transacted_to" | "created_from" | "created_to",
    InstantText | null
  >
>;

/** Adds the rules shared by every list with time ranges: from < to, and one axis at a time. */
export function checkTimeRanges(query: Ranges, ctx: z.RefinementCtx) {
  for (const axis of ["updated", "transacted", "created"] as const) {
    const from = query[`${axis}_from`];
    const to = query[`${axis}_to`];
    if (from && to && from >= to) {
      ctx.addIssue({
        code: "custom",
        path: [`${axis}_to`],
        message: `${axis}_to must be later than ${axis}_from (the range is [from, to)).`,
      });
    }
  }
  const axes = (["updated", "transacted", "created"] as const).filter(
    (a) => query[`${a}_from`] !== undefined || query[`${a}_to`] !== undefined,
  );
  if (axes.length > 1) {
    ctx.addIssue({
      code: "custom",
      path: [`${axes[1]}_from`],
      message: `Use one time axis at a time: ${axes.map((a) => `${a}_*`).join(" and ")} were both sent.`,
    });
  }
}

const RANGE_PARAMS = [
  "updated_from",
  "updated_to",
  "created_from",
  "created_to",
  "transacted_from",
  "transacted_to",
] as const;

/**
 * checkTimeRanges as a refinement that is listed beside every other issue: zod skips a refinement once any parameter is
 * invalid (which would hide "from >= to" or "two axes" behind, say, a bad limit), so this one runs
 * always, on the range values as far as they parsed. A malformed or out-of-range value still counts
 * as sent (for "one axis at a time") but compares as nothing. (A parsed value parses again to itself.)
 */
export const timeRangeRules = [
  (query: Partial<Record<(typeof RANGE_PARAMS)[number], unknown>>, ctx: z.RefinementCtx) =>
    checkTimeRanges(
      Object.fromEntries(
        RANGE_PARAMS.map((name) => [
          name,
          query[name] === undefined ? undefined : checkedInstant(query[name], QUERY_RANGE),
        ]),
      ),
      ctx,
    ),
  { when: () => true },
] as const;
