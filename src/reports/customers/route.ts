// GET /v1/reports/customers: new and returning customers per period, top customers by spend, and
// the share of sales that names a customer (the only sales AIQ can use).

import { acceptHeaders, CSV_CONTENT_TYPE, type CsvColumn } from "../../lib/csv.js";
import { outOfRangeResponse } from "../../lib/instant.js";
import { defineRoute } from "../../lib/route.js";
import { reportScope } from "../params.js";
import { answer, reportFigures, reportFormat } from "../respond.js";
import { periodCsvColumns } from "../values.js";
import {
  type CustomersPeriodRow,
  type CustomersReport,
  customerFigures,
  customersReportQuery,
  customersReportSchema,
  type TopCustomer,
} from "./schema.js";
import { readCustomersReport } from "./sql.js";

const periodColumns: CsvColumn<CustomersPeriodRow>[] = [
  ...periodCsvColumns<CustomersPeriodRow>(),
  ...reportFigures(customerFigures).csvColumns<CustomersPeriodRow>(),
];

const topColumns: CsvColumn<TopCustomer>[] = [
  { header: "rank", value: (r) => r.rank },
  { header: "customer_id", value: (r) => r.customer_id },
  { header: "pos_user", value: (r) => r.pos_user, text: true },
  { header: "first_name", value: (r) => r.first_name, text: true },
  { header: "last_name", value: (r) => r.last_name, text: true },
  { header: "receipts", value: (r) => r.receipts },
  { header: "net_sales", value: (r) => r.net_sales },
  { header: "first_purchase_date", value: (r) => r.first_purchase_date },
];

const exampleFigures = {
  customers: 640,
  new_customers: 85,
  returning_customers: 555,
  receipts: 1210,
  known_customer_receipts: 1065,
  known_customer_receipt_share: "88.02",
  net_sales: "48250.00",
  known_customer_net_sales: "43900.10",
  known_customer_sales_share: "90.98",
};

const example: CustomersReport = {
  from: "2026-10-01",
  to: "2026-11-01",
  period: "month",
  totals: exampleFigures,
  data: [{ period: "2026-10", period_start: "2026-10-01", period_end: "2026-11-01", ...exampleFigures }],
  top_customers: [
    {
      rank: 1,
      customer_id: "0193a7b2-6d4e-7f50-9b2c-3d4e5f6a7b8c",
      pos_user: "C-100482",
      first_name: "Avery",
      last_name: "Doe",
      receipts: 14,
      net_sales: "1260.75",
      first_purchase_date: "2025-11-02",
    },
  ],
};

export const customersReportRoute = defineRoute({
  method: "get",
  path: "/v1/reports/customers",
  operationId: "getCustomersReport",
  summary: "Customers report: new vs returning customers, top customers, share of sales with a known customer",
  description: [
    "Per day, ISO week or month of business days: how many known customers bought, how many of them for the first " +
      "time ever, how many receipts and how much of net sales name a customer (AIQ drops anonymous sales, so this is " +
      "the share its loyalty programs can use), plus totals and the top customers by net sales in the range.",
    "Voided and deleted receipts are left out; refunds reduce net sales on their own business day. A key limited to " +
      "some locations sees only those, and a customer's first purchase is their first at those locations.",
    "CSV (`format=csv` or `Accept: text/csv`) holds the rows per period, or the top customers with " +
      "`table=top_customers`.",
  ].join("\n\n"),
  tags: ["Reports"],
  scope: "reports:read",
  query: customersReportQuery,
  headers: acceptHeaders(["application/json", CSV_CONTENT_TYPE]),
  examples: { query: { from: "2026-10-01", to: "2026-11-01", period: "month", top: 10, table: "periods" } },
  responses: {
    200: {
      description: "The report (JSON), or one of its tables as CSV.",
      schema: customersReportSchema,
      contentTypes: ["text/csv"],
      example,
      textExamples: {
        "text/csv": [
          "period,period_start,period_end,customers,new_customers,returning_customers,receipts," +
            "known_customer_receipts,known_customer_receipt_share,net_sales,known_customer_net_sales," +
            "known_customer_sales_share",
          "2026-10,2026-10-01,2026-11-01,640,85,555,1210,1065,88.02,48250.00,43900.10,90.98",
          "",
        ].join("\r\n"),
      },
    },
    406: { description: "`Accept` allows neither application/json nor text/csv." },
    422: outOfRangeResponse(),
  },
  handler: async ({ db, auth, query, req, res, respond }) => {
    const format = reportFormat(req, res, query.format);
    const result = await readCustomersReport(db.pool, {
      ...reportScope(auth, query.location_id),
      from: query.from,
      to: query.to,
      period: query.period,
      top: query.top,
    });
    const report: CustomersReport = {
      from: query.from,
      to: query.to,
      period: query.period,
      totals: result.totals,
      data: result.periods,
      top_customers: result.top_customers,
    };
    const base = `customers_${query.from}_${query.to}_${query.period}`;
    return query.table === "top_customers"
      ? answer({ res, respond }, format, {
          json: report,
          csv: { filename: `${base}_top.csv`, columns: topColumns, rows: report.top_customers },
        })
      : answer({ res, respond }, format, {
          json: report,
          csv: { filename: `${base}.csv`, columns: periodColumns, rows: report.data },
        });
  },
});
