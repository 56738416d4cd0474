// GET /v1/reports/customers: its query and answer, with the definition of every figure.
import { z } from "zod";
import { wholeNumber } from "../../lib/validation.js";
import { answeredRange, checkReportRange, formatParam, locationParam, periodParam, rangeParams } from "../params.js";
import { businessDay, count, money, percent, periodColumns, totalsAndRows } from "../values.js";

export const customersReportQuery = z
  .strictObject({
    ...rangeParams,
    period: periodParam,
    location_id: locationParam,
    top: wholeNumber(z.number().int().min(1).max(100).default(10)).describe(
      "How many top customers by spend to list: 1 to 100, default 10.",
    ),
    table: z
      .enum(["periods", "top_customers"])
      .default("periods")
      .describe("CSV only (JSON always holds both): whether the CSV holds the rows per period or the top customers."),
    format: formatParam,
  })
  .superRefine(checkReportRange);

export type CustomersReportQuery = z.output<typeof customersReportQuery>;

export const customerFigures = {
  customers: count("Distinct known customers with a sale.", 640),
  new_customers: count(
    "Customers whose first purchase ever (their earliest non-voided sale at the covered locations) falls in this " +
      "period.",
    85,
  ),
  returning_customers: count("customers − new_customers: customers who had bought before this period.", 555),
  receipts: count("Sales receipts (refunds not counted).", 1210),
  known_customer_receipts: count(
    "Sales receipts that name a customer. AIQ drops anonymous sales: only these reach its loyalty programs.",
    1065,
  ),
  known_customer_receipt_share: percent("known_customer_receipts ÷ receipts × 100.", "88.02"),
  net_sales: money(
    "Net sales (as in the sales report: gross − discounts − refunds), refunds counting on their own business day.",
    "48250.00",
  ),
  known_customer_net_sales: money(
    "The part of net_sales on receipts (sales and refunds) that name a customer.",
    "43900.10",
  ),
  known_customer_sales_share: percent(
    "known_customer_net_sales ÷ net_sales × 100: the share of sales AIQ can attribute.",
    "90.98",
  ),
};

export const customersPeriodSchema = z.object({ ...periodColumns, ...customerFigures });

export const topCustomerSchema = z.object({
  rank: z.number().int().min(1).describe("1 for the customer who spent most.").meta({ example: 1 }),
  customer_id: z.guid().describe("The customer (our id).").meta({ example: "0193a7b2-6d4e-7f50-9b2c-3d4e5f6a7b8c" }),
  pos_user: z.string().describe("The POS's id for the customer (AIQ's pos_user).").meta({ example: "C-100482" }),
  first_name: z.string().nullable().describe("First name.").meta({ example: "Avery" }),
  last_name: z.string().nullable().describe("Last name.").meta({ example: "Doe" }),
  receipts: count("Their sales receipts in the range.", 14),
  net_sales: money("Their net sales in the range (refunds subtracted).", "1260.75"),
  first_purchase_date: businessDay(
    "Business day of their first purchase ever (at the covered locations).",
    "2025-11-02",
  ).nullable(),
});

export const customersReportSchema = z.object({
  ...answeredRange,
  ...totalsAndRows(customerFigures, customersPeriodSchema, {
    totals: "The whole range: customers counted once, new_customers those whose first purchase falls in the range.",
    data: "One row per period of the range, in order, empty periods as zeros.",
  }),
  top_customers: z
    .array(topCustomerSchema)
    .describe("The customers with the largest net sales in the range, largest first (ties by id)."),
});

export type CustomersPeriodRow = z.infer<typeof customersPeriodSchema>;
export type TopCustomer = z.infer<typeof topCustomerSchema>;
export type CustomersReport = z.infer<typeof customersReportSchema>;
