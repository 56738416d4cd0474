// Apps for the security tests: one database per test file, and as many apps over it as a file
// needs (each with its own env: limits, store, CORS, timeouts), with optional extra routes.
import type { DestinationStream } from "pino";
import { createApp } from "../../src/app.js";
import { parseEnv } from "../../src/config/env.js";
import { createLogger } from "../../src/lib/logger.js";
import type { RouteDef } from "../../src/lib/route.js";
import { routes } from "../../src/routes.js";
import type { TestDb } from "../helpers/db.js";

export function appOver(
  db: TestDb,
  options: { env?: Record<string, string>; extraRoutes?: RouteDef[]; logTo?: DestinationStream } = {},
) {
  const config = parseEnv({
    NODE_ENV: "test",
    LOG_LEVEL: options.logTo ? "info" : "silent",
    DATABASE_URL: db.url,
    ...options.env,
  });
  const logger = createLogger(config.LOG_LEVEL, options.logTo);
  return createApp({ db, config, logger, routes: [...routes, ...(options.extraRoutes ?? [])] });
}

/** A distinct client address per test (TEST-NET-3), sent as X-Forwarded-For to an app that trusts loopback. */
let next = 1;
export const freshAddress = () => `203.0.113.${next++}`;
