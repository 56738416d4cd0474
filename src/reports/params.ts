// Query parameters shared by the reports: a business-date range, the period rows are grouped by,
// a location filter and the answer's format; with the rules that bind them.
import { z } from "zod";
import { type Tenant, tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { type DateRange, dateInput, REPORT_DAY_RANGE } from "../lib/instant.js";
import { prose } from "../lib/prose.js";

/** The longest range a report covers: a year and a month, so "the last 12 months" always fits. */
export const MAX_REPORT_DAYS = 400;
const DAY_MS = 86_400_000;

/** `to` is bounded by `from` (at most MAX_REPORT_DAYS later): here it need only be a real date. */
const REPORT_END_RANGE: DateRange = {
  label: "from 2000-01-01 to 9999-12-31",
  min: () => "2000-01-01",
  max: () => "9999-12-31",
};

export const rangeParams = {
  from: dateInput(
    REPORT_DAY_RANGE,
    "First business day, inclusive. Business days are local days at each location, in its time zone.",
    { example: "2026-10-01" },
  ),
  to: dateInput(
    REPORT_END_RANGE,
    `Business day after the last one, exclusive: [from, to). At most ${MAX_REPORT_DAYS} days after \`from\`.`,
    { example: "2026-11-01" },
  ),
};

export const PERIODS = ["day", "week", "month"] as const;
export type Period = (typeof PERIODS)[number];

export const periodParam = z
  .enum(PERIODS)
  .default("day")
  .describe(prose`
    Row per \`day\`, ISO \`week\` (Monday to Sunday) or calendar \`month\` of business dates. A period cut by the range
    is reported for its part inside [from, to) (see period_start/period_end).
  `);

/** The range and period as asked, in a time-grouped report's answer. */
export const answeredRange = {
  from: z.iso.date().describe("The range's first business day (inclusive), as asked.").meta({ example: "2026-10-01" }),
  to: z.iso
    .date()
    .describe("The day after the range's last business day (exclusive), as asked.")
    .meta({ example: "2026-11-01" }),
  period: periodParam.unwrap().describe("The period each row covers."),
};

export const locationParam = z
  .guid()
  .optional()
  .describe(prose`
    Only this location (our id). A location of another merchant, or outside the key's locations, has nothing to report:
    zeros.
  `)
  .meta({ example: "0193a7b2-5c3d-7e4f-8a1b-2c3d4e5f6a7b" });

export const formatParam = z
  .enum(["json", "csv"])
  .optional()
  .describe(prose`
    \`csv\` for a CSV download (same as \`Accept: text/csv\`); \`json\` (the default) otherwise. Wins over the Accept
    header.
  `);

/** from < to, and at most MAX_REPORT_DAYS apart. */
export function checkReportRange(query: { from: string; to: string }, ctx: z.RefinementCtx) {
  const days = (Date.parse(query.to) - Date.parse(query.from)) / DAY_MS;
  if (days <= 0)
    ctx.addIssue({
      code: "custom",
      path: ["to"],
      message: "to must be a later day than from (the range is [from, to)).",
    });
  else if (days > MAX_REPORT_DAYS)
    ctx.addIssue({ code: "custom", path: ["to"], message: `The range is ${days} days; at most ${MAX_REPORT_DAYS}.` });
}

/**
 * Whose rows a report reads: the key's merchant and stores (db/tenant.ts), narrowed to `location_id`
 * when asked (null: not narrowed). A location outside the key's has nothing to report: zeros.
 */
export function reportScope(
  auth: AuthContext,
  locationId: string | undefined,
): { tenant: Tenant; locationIds: string[] | null } {
  return { tenant: tenantOf(auth), locationIds: locationId ? [locationId] : null };
}
