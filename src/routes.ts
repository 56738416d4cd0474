// Every route of the service, in one list: the router mounts it and the OpenAPI document is
// generated from it. A resource adds its routes here.
import { customerRoutes } from "./customers/routes.js";
import { customerWriteRoutes } from "./customers/write-routes.js";
import { docsRoutes } from "./docs/routes.js";
import { exportRoutes } from "./export/routes.js";
import { healthRoutes } from "./health/routes.js";
import { inventoryRoutes } from "./inventory/routes.js";
import { inventoryWriteRoutes } from "./inventory/write-routes.js";
import { keyRoutes } from "./keys/routes.js";
import type { RouteDef } from "./lib/route.js";
import { locationRoutes } from "./locations/routes.js";
import { metricsRoutes } from "./metrics/routes.js";
import { openApiRoutes } from "./openapi/routes.js";
import { reportRoutes } from "./reports/routes.js";
import { transactionRoutes } from "./transactions/routes.js";
import { transactionWriteRoutes } from "./transactions/write-routes.js";

export const routes: RouteDef[] = [
  ...healthRoutes,
  ...openApiRoutes(() => routes),
  ...docsRoutes,
  ...customerRoutes,
  ...inventoryRoutes,
  ...inventoryWriteRoutes,
  ...customerWriteRoutes,
  ...transactionRoutes,
  ...transactionWriteRoutes,
  ...locationRoutes,
  ...keyRoutes,
  ...reportRoutes,
  ...exportRoutes,
  ...metricsRoutes,
];
