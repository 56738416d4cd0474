// createApp builds the Express app from its dependencies; server.ts listens. Tests use createApp
// with supertest against a real PostgreSQL.
import express, { type RequestHandler } from "express";
import helmet from "helmet";
import type { Logger } from "pino";
import type { Config } from "./config/env.js";
import type { Db } from "./db/client.js";
import { createAuthenticator } from "./keys/authenticate.js";
import { corsFor } from "./lib/cors.js";
import { AppError } from "./lib/errors.js";
import { createLogger, requestLogger } from "./lib/logger.js";
import { notFoundHandler, problemHandler } from "./lib/problem.js";
import { RecentHorizon } from "./lib/recent-horizon.js";
import { mountRoute, type RouteDef } from "./lib/route.js";
import { bodyTimeout, dropLateErrors, requestTimeout } from "./lib/timeout.js";
import { createFeedLagMonitor, type FeedLagMonitor } from "./metrics/feed-lag.js";
import { observeRequests } from "./metrics/http.js";
import { createAdmit } from "./ratelimit/admit.js";
import { createLimits } from "./ratelimit/limits.js";
import { routes as allRoutes } from "./routes.js";

export interface AppOptions {
  db: Db;
  config: Config;
  logger?: Logger;
  routes?: RouteDef[];
  /** The feed-lag sampler; the server passes the one it runs every few seconds. */
  feedLag?: FeedLagMonitor;
}

/** Bodies are JSON only: anything else is a 415, never parsed by guesswork. */
const jsonOnly: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  if (hasBody && !req.is("application/json")) {
    next(new AppError("unsupported_media_type", "Send the body as application/json."));
    return;
  }
  next();
};

/**
 * body-parser reads a 0-byte JSON body as `{}`; these requests are marked while it reads, so that
 * an empty body is no body (a 400 where the route needs one), never an empty object that applies.
 */
const emptyBodies = new WeakSet<object>();
const markEmptyBody = (req: object, _res: unknown, buf: Buffer) => {
  if (buf.length === 0) emptyBodies.add(req);
};
const dropEmptyBody: RequestHandler = (req, _res, next) => {
  if (emptyBodies.has(req)) req.body = undefined;
  next();
};

export function createApp({
  db,
  config,
  logger = createLogger(config.LOG_LEVEL),
  routes = allRoutes,
  feedLag = createFeedLagMonitor({ pool: db.pool, warnAfterMs: config.FEED_LAG_WARN_MS, logger }),
}: AppOptions) {
  const app = express();
  app.disable("x-powered-by");
  // The client address counts failed authentications: believe X-Forwarded-For only from configured proxies.
  app.set("trust proxy", config.TRUST_PROXY);
  app.set("query parser", "simple");
  app.use(observeRequests);
  app.use(requestLogger(logger));
  app.use(requestTimeout(config));
  app.use(bodyTimeout(config));
  app.use(helmet());
  const cors = corsFor(config.CORS_ORIGINS);
  if (cors) app.use(cors);
  app.use(jsonOnly);
  app.use(express.json({ limit: config.BODY_LIMIT, strict: true, verify: markEmptyBody }));
  app.use(dropEmptyBody);

  const router = express.Router();
  const admit = createAdmit(
    createAuthenticator(db, {
      keyCacheTtlMs: config.KEY_CACHE_TTL_MS,
      horizons: new RecentHorizon(config.FEED_HORIZON_REUSE_MS),
    }),
    createLimits(config, db.pool, logger),
  );
  for (const route of routes) mountRoute(router, route, { db, config, feedLag }, admit);
  app.use(router);

  app.use(notFoundHandler);
  app.use(dropLateErrors);
  app.use(problemHandler);
  return app;
}
