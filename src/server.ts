// The process: parse env (fail fast), open the database, serve, and shut down gracefully
// (stop accepting, drain in-flight requests, close the pool, stop the embedded PostgreSQL).
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";
import { loadDotEnv } from "./config/dotenv.js";
import { type Config, parseEnv } from "./config/env.js";
import { dropEmbeddedSignalHooks, EmbeddedStartError } from "./db/embedded.js";
import { openDatabase } from "./db/open.js";
import { ensureDemo } from "./demo.js";
import { purgeExpiredIdempotencyRecords } from "./lib/idempotency.js";
import { createLogger, endLog, processLogDestination } from "./lib/logger.js";
import { createFeedLagMonitor } from "./metrics/feed-lag.js";
import { stopTracing } from "./telemetry/lifecycle.js";

let config: Config;
try {
  loadDotEnv();
  config = parseEnv();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const logDestination = processLogDestination();
const logger = createLogger(config.LOG_LEVEL, logDestination);
const opened = await openDatabase(config, (line) => logger.info(line)).catch((error: unknown) => {
  // Error messages are not logged (they may quote data); this one says why PostgreSQL did not start.
  const reason = error instanceof EmbeddedStartError ? { reason: error.message } : {};
  logger.fatal({ err: error, ...reason }, "could not open the database");
  process.exit(1);
});
if (opened.appliedMigrations.length) logger.info({ migrations: opened.appliedMigrations }, "applied migrations");
if (opened.embedded && config.SEED_DEMO) await ensureDemo(opened.db, config, (line) => logger.info(line));

// Sampled every few seconds: the lag gauge stays fresh between scrapes, and a stall is logged even when nobody polls.
const feedLag = createFeedLagMonitor({ pool: opened.db.pool, warnAfterMs: config.FEED_LAG_WARN_MS, logger });
feedLag.start(config.FEED_LAG_SAMPLE_MS);
const app = createApp({ db: opened.db, config, logger, feedLag });
const server = app.listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, embedded: Boolean(opened.embedded) }, `pos-bridge listening on http://localhost:${port}`);
});
server.on("error", (error) => {
  logger.fatal({ err: error }, "could not listen");
  void shutdown(1);
});

// Idempotency-Key answers are kept 24 hours; a key only reclaims its own row when reused.
const purge = setInterval(() => {
  purgeExpiredIdempotencyRecords(opened.db).catch((error: unknown) =>
    logger.warn({ err: error }, "idempotency purge failed"),
  );
}, 60 * 60_000);
purge.unref();

let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  clearInterval(purge);
  feedLag.stop();
  logger.info("shutting down: draining in-flight requests");
  // Closing the pool waits for its clients; with the database already gone that can be forever.
  // Past the drain time and as long again for the rest, exit anyway.
  setTimeout(
    () => {
      logger.error("shutdown did not finish in time; exiting");
      process.exit(1);
    },
    2 * config.SHUTDOWN_TIMEOUT_MS + 5_000,
  ).unref();
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
  await drained;
  clearTimeout(timer);
  await opened.db.close();
  await opened.embedded?.stop();
  await stopTracing().catch((error: unknown) => logger.warn({ err: error }, "could not send the last spans"));
  logger.info("stopped");
  await endLog(logDestination);
  process.exit(code);
}
dropEmbeddedSignalHooks(); // they would exit mid-drain; shutdown() stops the embedded server itself
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
