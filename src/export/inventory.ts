// GET /v1/export/inventory: the list's filters (the lossless change feed; location, SKU, in_stock),
// streamed. Each batch is a page of the list's own walk (db/paging.ts over inventoryListing: keyset on
// (merchant_id, updated_at, id), margins and stock values computed in NUMERIC).
import { toAiqInventoryItem } from "../inventory/aiq-format.js";
import { aiqInventoryRule, inventoryListQuery } from "../inventory/list-query.js";
import { inventoryListing } from "../inventory/read.js";
import { inventoryCsvColumns } from "./inventory-csv.js";
import { exportQueryOf } from "./params.js";
import { exportRoute } from "./route.js";
import { recordExportPlan } from "./stream.js";

export const inventoryExportQuery = exportQueryOf(inventoryListQuery.shape)
  .superRefine(...aiqInventoryRule("shape"))
  .describe("The filters of GET /v1/inventory, and how to stream them.");

export const inventoryExportRoute = exportRoute({
  resource: "inventory",
  operationId: "exportInventory",
  scope: "inventory:read",
  query: inventoryExportQuery,
  plan: recordExportPlan(inventoryListing, toAiqInventoryItem, inventoryCsvColumns),
  about: [
    "The change feed of inventory items by (updated_at, id), lossless; location_id, sku and in_stock narrow it. A " +
      "key limited to some locations sees only their items.",
    "CSV: one row per item (a product at a location), the location in location_* columns, custom attributes as one " +
      "cell of JSON text.",
  ],
  exampleQuery: { in_stock: "true", format: "csv" },
  examples: {
    ndjson: [
      '{"id":"0192f0c4-…","product_id":"0192efb0-…","sku":"BD-35","name":"Blue Dream ' +
        '3.5g","location":{…},"quantity":"25","unit_cost":"12.50","sale_price":"35.00","margin":"22.50",…}',
      '{"export":"end","records":1,"has_more":false,"next_cursor":"eyJ2IjoxLC…","complete_through":"2026-11-01T00:00:' +
        '03.512210Z"}',
      "",
    ].join("\n"),
    csv: [
      "id,location_id,location_pos_id,location_name,product_id,sku,pos_product_id,name,brand,…,quantity,unit_cost," +
        "sale_price,…,updated_at",
      '0192f0c4-…,0192efa1-…,DEN-1,"Denver, Colfax",0192efb0-…,BD-35,P-35,"Blue Dream 3.5g ""Reserve""",Good ' +
        "Farms,…,25,12.50,35.00,…,2026-10-30T08:01:12.004321Z",
      "",
    ].join("\r\n"),
  },
});
