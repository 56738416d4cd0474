// The one feed-lag sampler: how far the feeds' horizon (src/lib/sync-feed.ts) trails now. It sets
// the posbridge_feed_lag_seconds gauge, answers /readyz, and warns in the log while the lag is past
// FEED_LAG_WARN_MS, naming the session holding the feeds back (its pid, state, application and how
// long its transaction has run: never its query text, which may carry personal data). The server
// samples every FEED_LAG_SAMPLE_MS; /readyz and each scrape sample too.

import { sql } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import { first, reviewedStatement } from "../db/sql.js";
import { readHorizon } from "../lib/sync-feed.js";
import { feedLag } from "./registry.js";

export interface FeedLagSample {
  /** The horizon: every change before it is served (a fresh poll's complete_through). */
  completeThrough: string;
  /** now − completeThrough, in seconds, on the database's clock. */
  lagSeconds: number;
}

export interface FeedLagMonitor {
  sample(): Promise<FeedLagSample>;
  /** Samples every `intervalMs` until stop() (the server does; tests sample by hand). */
  start(intervalMs: number): void;
  stop(): void;
}

/** While the lag stays past the threshold, the warning is repeated this often, not at every sample. */
const REPEAT_WARNING_MS = 60_000;

// The oldest transaction holding a transaction id in this database: the one that sets the horizon.
// pg_stat_activity is the server's own view (not in schema.prisma): its row is typed here.
const HOLDER = reviewedStatement(
  "no-tenant-table",
  sql<{
    pid: number;
    state: string | null;
    backend_type: string | null;
    application_name: string | null;
    transaction_seconds: number | null;
  }>`SELECT pid, state, backend_type, application_name,
       extract(epoch FROM now() - xact_start)::float8 AS transaction_seconds
  FROM pg_stat_activity
  WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
  ORDER BY xact_start LIMIT 1`,
);

export function createFeedLagMonitor({
  pool,
  warnAfterMs,
  logger,
}: {
  pool: pg.Pool;
  warnAfterMs: number;
  logger: Logger;
}): FeedLagMonitor {
  let lastWarning = 0;
  let timer: NodeJS.Timeout | null = null;

  async function warn(sample: FeedLagSample) {
    const now = Date.now();
    if (now - lastWarning < REPEAT_WARNING_MS) return;
    lastWarning = now;
    const holder = await first(pool, HOLDER).catch(() => undefined);
    logger.warn(
      {
        feed_lag_seconds: sample.lagSeconds,
        complete_through: sample.completeThrough,
        threshold_ms: warnAfterMs,
        holder,
      },
      "feeds stalled: a session holding a transaction id keeps every feed's horizon back (nothing is lost; delivery " +
        "waits until it ends)",
    );
  }

  async function sample(): Promise<FeedLagSample> {
    const { horizon, lagSeconds } = await readHorizon(pool);
    const result = { completeThrough: horizon, lagSeconds };
    feedLag.set(lagSeconds);
    if (lagSeconds * 1000 >= warnAfterMs) await warn(result);
    else if (lastWarning) {
      lastWarning = 0;
      logger.info({ feed_lag_seconds: lagSeconds }, "feeds caught up: the feed lag is back under the threshold");
    }
    return result;
  }

  return {
    sample,
    start(intervalMs) {
      if (timer) return;
      timer = setInterval(() => {
        sample().catch((err: unknown) => logger.warn({ err }, "feed lag sample failed"));
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
