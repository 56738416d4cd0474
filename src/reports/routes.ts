// The reports (scope reports:read): sales, inventory and customers, each as JSON or CSV.
import { customersReportRoute } from "./customers/route.js";
import { inventoryReportRoute } from "./inventory/route.js";
import { salesReportRoute } from "./sales/route.js";

// Reports scan many rows: they spend the keys' smaller "heavy" budget (RATE_LIMIT_HEAVY_PER_MINUTE).
export const reportRoutes = [salesReportRoute, inventoryReportRoute, customersReportRoute].map((route) => ({
  ...route,
  rateLimit: "heavy" as const,
}));
