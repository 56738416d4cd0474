// The exports (issue 6): the lists' records streamed as NDJSON or CSV, for backfills and BI.
// Heavy routes: each spends the key's smaller "heavy" rate-limit budget.
import { customerExportRoute } from "./customers.js";
import { inventoryExportRoute } from "./inventory.js";
import { transactionExportRoute } from "./transactions.js";

export const exportRoutes = [transactionExportRoute, customerExportRoute, inventoryExportRoute];
