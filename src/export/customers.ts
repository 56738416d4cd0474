// GET /v1/export/customers: the list's filters and axes (the lossless change feed by default, or
// creation time with created_*; phone, email and pos_user lookups), streamed. Each batch is a page of
// the list's own walk (db/paging.ts over customerListing: keyset on the axis's index, visit figures
// in the same statement).
import { toAiqCustomer } from "../customers/aiq-format.js";
import { customerListQuery } from "../customers/list-query.js";
import { customerListing } from "../customers/read.js";
import { customerCsvColumns } from "./customer-csv.js";
import { exportQueryOf } from "./params.js";
import { exportRoute } from "./route.js";
import { recordExportPlan } from "./stream.js";

export const customerExportQuery = exportQueryOf(customerListQuery.shape).describe(
  "The filters of GET /v1/customers, and how to stream them.",
);

export const customerExportRoute = exportRoute({
  resource: "customers",
  operationId: "exportCustomers",
  scope: "customers:read",
  query: customerExportQuery,
  plan: recordExportPlan(customerListing, toAiqCustomer, customerCsvColumns),
  about: [
    "Without a created_* range, the change feed by (updated_at, id), lossless; with created_from/created_to, by " +
      "(created_at, id). phone, email and pos_user narrow either walk. Visit figures as in the list (a key limited " +
      "to some locations counts only theirs).",
    "CSV: one row per customer, visit figures flattened (first_visit_at, last_visit_at, visit_count, lifetime_spend).",
  ],
  exampleQuery: { created_from: "2025-11-01T00:00:00Z", format: "csv" },
  examples: {
    ndjson: [
      '{"id":"0192f0c4-…","pos_user":"C-88213","pos_type":"in_store","email":"avery@example.com","phone":' +
        '"+13035550142","first_name":"Avery",…,"visits":{"visit_count":12,"lifetime_spend":"642.18",…},…}',
      '{"export":"end","records":1,"has_more":false,"next_cursor":"eyJ2IjoxLC…","complete_through":"2026-11-01T00:00:' +
        '03.512210Z"}',
      "",
    ].join("\n"),
    csv: [
      "id,pos_user,pos_type,email,phone,first_name,last_name,address1,…,visit_count,lifetime_spend,deleted_at," +
        "created_at,updated_at",
      '0192f0c4-…,C-88213,in_store,avery@example.com,+13035550142,Avery,"O\'Neil, ""AJ""","12 Main St, Apt ' +
        '4",…,12,642.18,,2025-03-02T17:10:44.120000Z,2026-10-30T08:01:12.004321Z',
      "",
    ].join("\r\n"),
  },
});
