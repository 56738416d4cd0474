// GET /v1/reports/sales: receipts, units, gross and net sales, discounts, refunds, tax, cost and
// margin over a business-date range, by day, week or month, optionally split by a dimension.

import { acceptHeaders, CSV_CONTENT_TYPE, type CsvColumn } from "../../lib/csv.js";
import { outOfRangeResponse } from "../../lib/instant.js";
import { defineRoute } from "../../lib/route.js";
import { reportScope } from "../params.js";
import { answer, MAX_REPORT_ROWS, reportFigures, reportFormat, servedRows } from "../respond.js";
import { periodCsvColumns } from "../values.js";
import { type SalesReport, type SalesRow, salesFigures, salesReportQuery, salesReportSchema } from "./schema.js";
import { readSalesReport } from "./sql.js";

const figures = reportFigures(salesFigures);

const csvColumns: CsvColumn<SalesRow>[] = [
  ...periodCsvColumns<SalesRow>(),
  { header: "group_key", value: (r) => r.group_key, text: true },
  { header: "group_name", value: (r) => r.group_name, text: true },
  ...figures.csvColumns<SalesRow>(),
];

const example: SalesReport = {
  from: "2026-10-01",
  to: "2026-11-01",
  period: "month",
  group_by: "category",
  totals: {
    receipts: 3120,
    units: "7410.000",
    gross_sales: "131420.00",
    discounts: "6571.00",
    refunds: "2310.00",
    net_sales: "122539.00",
    tax: "19606.24",
    cost: "55142.55",
    margin: "67396.45",
    margin_percent: "55.00",
    average_basket: "40.02",
    lines_without_cost: 0,
  },
  data: [
    {
      period: "2026-10",
      period_start: "2026-10-01",
      period_end: "2026-11-01",
      group_key: "Flower",
      group_name: "Flower",
      receipts: 1904,
      units: "3388.000",
      gross_sales: "84700.00",
      discounts: "4235.00",
      refunds: "1540.00",
      net_sales: "78925.00",
      tax: "12628.00",
      cost: "35516.25",
      margin: "43408.75",
      margin_percent: "55.00",
      average_basket: "42.26",
      lines_without_cost: 0,
    },
    {
      period: "2026-10",
      period_start: "2026-10-01",
      period_end: "2026-11-01",
      group_key: "Edibles",
      group_name: "Edibles",
      receipts: 1388,
      units: "4022.000",
      gross_sales: "46720.00",
      discounts: "2336.00",
      refunds: "770.00",
      net_sales: "43614.00",
      tax: "6978.24",
      cost: "19626.30",
      margin: "23987.70",
      margin_percent: "55.00",
      average_basket: "31.98",
      lines_without_cost: 0,
    },
  ],
};

export const salesReportRoute = defineRoute({
  method: "get",
  path: "/v1/reports/sales",
  operationId: "getSalesReport",
  summary: "Sales report: receipts, units, gross and net sales, discounts, refunds, tax, cost, margin",
  description: [
    "Sales over a range of business days (each location's local days), one row per day, ISO week or month, " +
      "optionally split by location, category, brand, product or employee, plus totals.",
    "Voided receipts are left out entirely, and so are deleted ones. Refunds count on their own business day (not " +
      "the sale's). Every figure is exact decimal arithmetic on the receipts' lines: gross sales, discounts, " +
      "refunds, net sales and tax equal the sums of the receipts' own totals to the cent. Each figure's definition " +
      "is in the schema below.",
    "A key limited to some locations sees only those. CSV (`format=csv` or `Accept: text/csv`) holds the rows, one " +
      "per line, without the totals. Not paged: an answer holds at most " +
      `${MAX_REPORT_ROWS} rows (more is a 422).`,
  ].join("\n\n"),
  tags: ["Reports"],
  scope: "reports:read",
  query: salesReportQuery,
  headers: acceptHeaders(["application/json", CSV_CONTENT_TYPE]),
  examples: { query: { from: "2026-10-01", to: "2026-11-01", period: "month", group_by: "category" } },
  responses: {
    200: {
      description: "The report (JSON), or its rows as CSV.",
      schema: salesReportSchema,
      contentTypes: ["text/csv"],
      example,
      textExamples: {
        "text/csv": [
          "period,period_start,period_end,group_key,group_name,receipts,units,gross_sales,discounts,refunds," +
            "net_sales,tax,cost,margin,margin_percent,average_basket,lines_without_cost",
          "2026-10,2026-10-01,2026-11-01,Flower,Flower,1904,3388.000,84700.00,4235.00,1540.00,78925.00,12628.00," +
            "35516.25,43408.75,55.00,42.26,0",
          '2026-10,2026-10-01,2026-11-01,"Pre-Rolls, Infused","Pre-Rolls, ' +
            'Infused",210,380.000,5320.00,266.00,0.00,5054.00,808.64,2274.30,2779.70,55.00,24.07,0',
          "",
        ].join("\r\n"),
      },
    },
    406: { description: "`Accept` allows neither application/json nor text/csv." },
    422: outOfRangeResponse(`; or the report would have more than ${MAX_REPORT_ROWS} rows`),
  },
  handler: async ({ db, auth, query, req, res, respond }) => {
    const format = reportFormat(req, res, query.format);
    const { rows, totals } = await readSalesReport(db.pool, {
      ...reportScope(auth, query.location_id),
      from: query.from,
      to: query.to,
      period: query.period,
      groupBy: query.group_by,
      maxRows: MAX_REPORT_ROWS,
    });
    const data: SalesRow[] = servedRows(rows, (row) => ({
      period: row.period!,
      period_start: row.period_start!,
      period_end: row.period_end!,
      group_key: row.group_key,
      group_name: row.group_name,
      ...figures.of(row),
    }));
    const report: SalesReport = {
      from: query.from,
      to: query.to,
      period: query.period,
      group_by: query.group_by ?? null,
      totals: figures.of(totals),
      data,
    };
    const filename =
      `sales_${query.from}_${query.to}_${query.period}` + `${query.group_by ? `_by_${query.group_by}` : ""}.csv`;
    return answer({ res, respond }, format, { json: report, csv: { filename, columns: csvColumns, rows: data } });
  },
});
