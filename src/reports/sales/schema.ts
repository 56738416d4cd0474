// GET /v1/reports/sales: its query and answer, with the definition of every figure.
import { z } from "zod";
import { prose } from "../../lib/prose.js";
import { answeredRange, checkReportRange, formatParam, locationParam, periodParam, rangeParams } from "../params.js";
import { count, money, percent, periodColumns, quantity, totalsAndRows } from "../values.js";

export const SALES_GROUPS = ["location", "category", "brand", "product", "employee"] as const;
export type SalesGroup = (typeof SALES_GROUPS)[number];

export const salesReportQuery = z
  .strictObject({
    ...rangeParams,
    period: periodParam,
    group_by: z
      .enum(SALES_GROUPS)
      .optional()
      .describe(prose`
        Split each period by \`location\`, \`category\`, \`brand\`, \`product\` (by sku) or \`employee\` (the budtender
        on the receipt). Without it, one row per period, with empty periods reported as zeros.
      `),
    location_id: locationParam,
    format: formatParam,
  })
  .superRefine(checkReportRange);

export type SalesReportQuery = z.output<typeof salesReportQuery>;

export const salesFigures = {
  receipts: count(
    "Sales receipts (refunds not counted). Under a line grouping (category, brand, product), the receipts with at " +
      "least one line in the group, so a receipt counts in every group it touches.",
    412,
  ),
  units: quantity("Σ quantity of sale lines (refunded units are not subtracted; see refunds)."),
  gross_sales: money(
    "Σ unit_price × quantity of sale lines, each line rounded to the cent as on the receipt.",
    "18250.00",
  ),
  discounts: money("Σ discount of sale lines.", "912.50"),
  refunds: money(
    "Value of refunds, as a positive amount: Σ (unit_price × |quantity| − |discount|) of refund lines, dated by the " +
      "refund's own business day.",
    "310.00",
  ),
  net_sales: money("gross_sales − discounts − refunds.", "17027.50"),
  tax: money("Σ tax of sale and refund lines (refund tax is negative, so this is the net tax collected).", "2724.40"),
  cost: money(
    "Σ unit_cost × quantity of sale and refund lines (refunds negative: the stock came back), from the unit cost at " +
      "the time of sale; rounded once, from 4 decimals.",
    "7321.14",
  ),
  margin: money("net_sales − cost.", "9706.36"),
  margin_percent: percent("margin ÷ net_sales × 100."),
  average_basket: money("(gross_sales − discounts) ÷ receipts, to the cent; null when there are no receipts.", "41.33")
    .nullable()
    .describe("(gross_sales − discounts) ÷ receipts, to the cent; null when there are no receipts."),
  lines_without_cost: count(
    "Lines whose unit cost is unknown: they count as zero cost, so margin is overstated when this is not 0.",
    0,
  ),
};

export const salesRowSchema = z.object({
  ...periodColumns,
  group_key: z
    .string()
    .nullable()
    .describe(prose`
      The group (with group_by): the location's or employee's id, the category, the brand, or the product's sku. Null
      without group_by, and for lines or receipts without one (no category, no employee).
    `)
    .meta({ example: "Flower" }),
  group_name: z
    .string()
    .nullable()
    .describe(prose`
      A name for the group: the location's name, the employee's name, the category or brand, the product's name on its
      lines.
    `)
    .meta({ example: "Flower" }),
  ...salesFigures,
});

export const salesReportSchema = z.object({
  ...answeredRange,
  group_by: z
    .enum(SALES_GROUPS)
    .nullable()
    .describe("The grouping asked for; null when none.")
    .meta({ example: "category" }),
  ...totalsAndRows(salesFigures, salesRowSchema, {
    totals: "The whole range and every covered location, computed from the lines (not by adding up rounded rows).",
    data: "One row per period (and group), in order of period, then net sales (largest first), then group key.",
  }),
});

export type SalesRow = z.infer<typeof salesRowSchema>;
export type SalesReport = z.infer<typeof salesReportSchema>;
