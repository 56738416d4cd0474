// The reports (scope reports:read): sales, inventory and customers, each as JSON or CSV.
import { customersReportRoute } from "./customers/route.js";
import { inventoryReportRoute } from "./inventory/route.js";
import { salesReportRoute } from "./sales/route.js";

export const reportRoutes = [salesReportRoute, inventoryReportRoute, customersReportRoute];
