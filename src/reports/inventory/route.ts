// GET /v1/reports/inventory: stock value at cost and at price, by location and category, with
// low-stock and out-of-stock counts.
import { acceptHeaders, CSV_CONTENT_TYPE, type CsvColumn } from "../../lib/csv.js";
import { defineRoute } from "../../lib/route.js";
import { reportScope } from "../params.js";
import { answer, MAX_REPORT_ROWS, reportFigures, reportFormat, servedRows } from "../respond.js";
import {
  type InventoryReport,
  type InventoryRow,
  inventoryFigures,
  inventoryReportQuery,
  inventoryReportSchema,
} from "./schema.js";
import { readInventoryReport } from "./sql.js";

const figures = reportFigures(inventoryFigures);

const csvColumns: CsvColumn<InventoryRow>[] = [
  { header: "location_id", value: (r) => r.location_id },
  { header: "location_name", value: (r) => r.location_name, text: true },
  { header: "category", value: (r) => r.category, text: true },
  ...figures.csvColumns<InventoryRow>(),
];

const example: InventoryReport = {
  as_of: "2026-11-27T15:04:05.123Z",
  group_by: "location_category",
  low_stock_threshold: "5",
  totals: {
    items: 412,
    units_on_hand: "8120.500",
    value_at_cost: "91230.40",
    value_at_price: "205410.00",
    potential_margin: "114179.60",
    items_without_cost: 2,
    items_without_price: 0,
    low_stock_items: 18,
    out_of_stock_items: 6,
  },
  data: [
    {
      location_id: "0193a7b2-5c3d-7e4f-8a1b-2c3d4e5f6a7b",
      location_name: "Downtown",
      category: "Flower",
      items: 120,
      units_on_hand: "2210.500",
      value_at_cost: "27630.25",
      value_at_price: "61894.00",
      potential_margin: "34263.75",
      items_without_cost: 0,
      items_without_price: 0,
      low_stock_items: 7,
      out_of_stock_items: 2,
    },
  ],
};

export const inventoryReportRoute = defineRoute({
  method: "get",
  path: "/v1/reports/inventory",
  operationId: "getInventoryReport",
  summary: "Inventory report: stock value at cost and at price, low-stock counts",
  description: [
    "Current stock, valued at unit cost and at sale price, by location and category (or either, or neither), with " +
      "the count of low-stock and out-of-stock items, plus totals.",
    "Deleted stock items, and archived items or products, are left out. Negative quantities (oversold) count as zero " +
      "units and zero value, and as out of stock. Exact decimal arithmetic; each figure's definition is in the " +
      "schema below.",
    "A key limited to some locations sees only those. CSV (`format=csv` or `Accept: text/csv`) holds the rows " +
      "without the totals.",
  ].join("\n\n"),
  tags: ["Reports"],
  scope: "reports:read",
  query: inventoryReportQuery,
  headers: acceptHeaders(["application/json", CSV_CONTENT_TYPE]),
  examples: { query: { group_by: "location_category", low_stock_threshold: "5" } },
  responses: {
    200: {
      description: "The report (JSON), or its rows as CSV.",
      schema: inventoryReportSchema,
      contentTypes: ["text/csv"],
      example,
      textExamples: {
        "text/csv": [
          "location_id,location_name,category,items,units_on_hand,value_at_cost,value_at_price,potential_margin," +
            "items_without_cost,items_without_price,low_stock_items,out_of_stock_items",
          "0193a7b2-5c3d-7e4f-8a1b-2c3d4e5f6a7b,Downtown,Flower,120,2210.500,27630.25,61894.00,34263.75,0,0,7,2",
          "",
        ].join("\r\n"),
      },
    },
    406: { description: "`Accept` allows neither application/json nor text/csv." },
    422: { description: `The report would have more than ${MAX_REPORT_ROWS} rows.` },
  },
  handler: async ({ db, auth, query, req, res, respond }) => {
    const format = reportFormat(req, res, query.format);
    const { rows, totals } = await readInventoryReport(db.pool, {
      ...reportScope(auth, query.location_id),
      groupBy: query.group_by,
      lowStockThreshold: query.low_stock_threshold,
      maxRows: MAX_REPORT_ROWS,
    });
    const data: InventoryRow[] = servedRows(rows, (row) => ({
      location_id: row.location_id,
      location_name: row.location_name,
      category: row.category,
      ...figures.of(row),
    }));
    const report: InventoryReport = {
      as_of: totals.as_of,
      group_by: query.group_by,
      low_stock_threshold: query.low_stock_threshold,
      totals: figures.of(totals),
      data,
    };
    const filename = `inventory_${totals.as_of.slice(0, 10)}_by_${query.group_by}.csv`;
    return answer({ res, respond }, format, { json: report, csv: { filename, columns: csvColumns, rows: data } });
  },
});
