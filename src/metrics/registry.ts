// The service's Prometheus metrics (prom-client), one registry per process: the process's own
// (prom-client's default metrics: CPU, memory, event loop, GC) and the service's, all prefixed
// posbridge_. Labels are closed sets — route templates (/v1/transactions/{id}), methods, status
// classes, results, reasons — never an id, a key, a query string, a phone or an email, so a
// series can neither leak data nor multiply without bound. Served by GET /metrics (routes.ts).
import client from "prom-client";

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const registers = [registry];

/** Latency buckets (seconds): lists answer in milliseconds, exports and reports take seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Feed lag buckets (seconds): normally under a second; a stall is minutes. */
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600];

export const httpRequestDuration = new client.Histogram({
  name: "posbridge_http_request_duration_seconds",
  help: "Time to answer a request, by route template, method and status class (its _count counts requests).",
  labelNames: ["route", "method", "status_class"] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const feedRequestLag = new client.Histogram({
  name: "posbridge_feed_request_lag_seconds",
  help:
    "Feed lag seen by each feed request (lists and exports on the change-time axis): the request's database time " +
    "minus the feed's horizon (complete_through); a horizon reused from an earlier request counts its age.",
  labelNames: ["feed"] as const,
  buckets: LAG_BUCKETS,
  registers,
});

export const feedLag = new client.Gauge({
  name: "posbridge_feed_lag_seconds",
  help:
    "Feed lag now: database time minus the horizon, sampled every few seconds (FEED_LAG_SAMPLE_MS), by /readyz " +
    "and at each scrape. One horizon holds every feed of the database.",
  registers,
});

export const rowsServed = new client.Counter({
  name: "posbridge_rows_served_total",
  help: "Records served, by route template and kind (page: a JSON list page; export: an NDJSON/CSV export).",
  labelNames: ["route", "kind"] as const,
  registers,
});

export const exportBytes = new client.Counter({
  name: "posbridge_export_bytes_total",
  help: "Bytes of export bodies handed to the socket, by route template.",
  labelNames: ["route"] as const,
  registers,
});

export const rollupBacklog = new client.Gauge({
  name: "posbridge_report_rollup_backlog_store_days",
  help:
    "Store-days marked stale by writes and waiting for a report to rebuild their rollups (report_rollup_stale), " +
    "read at each scrape.",
  registers,
});

export const rollupRefreshDuration = new client.Histogram({
  name: "posbridge_report_rollup_refresh_duration_seconds",
  help: "Time a report spent bringing the rollups of its range up to date before reading them.",
  buckets: LATENCY_BUCKETS,
  registers,
});

export const rollupStoreDaysRebuilt = new client.Counter({
  name: "posbridge_report_rollup_store_days_rebuilt_total",
  help: "Stale store-days rebuilt by report refreshes.",
  registers,
});

export const dbPoolConnections = new client.Gauge({
  name: "posbridge_db_pool_connections",
  help: "Connections of the database pool, by state (total: open; idle: open and unused).",
  labelNames: ["state"] as const,
  registers,
});

export const dbPoolMax = new client.Gauge({
  name: "posbridge_db_pool_max_connections",
  help: "The most connections the pool opens (DB_POOL_MAX).",
  registers,
});

export const dbPoolWaiting = new client.Gauge({
  name: "posbridge_db_pool_waiting_clients",
  help: "Requests waiting for a connection of the pool (all connections busy).",
  registers,
});

export const statementTimeouts = new client.Counter({
  name: "posbridge_db_statement_timeouts_total",
  help: "Requests ended by PostgreSQL's statement_timeout (SQLSTATE 57014), answered 503.",
  registers,
});

export const transactionRetries = new client.Counter({
  name: "posbridge_db_transaction_retries_total",
  help:
    "Write transactions rolled back and run again, by reason (serialization_failure 40001, deadlock 40P01, " +
    "lost_race: an insert race lost).",
  labelNames: ["reason"] as const,
  registers,
});

export const rateLimitRejections = new client.Counter({
  name: "posbridge_rate_limit_rejections_total",
  help:
    "Requests refused with 429, by policy (default, heavy: a key's budgets; auth-failures: an address past its " +
    "failed authentications).",
  labelNames: ["policy"] as const,
  registers,
});

export const authFailures = new client.Counter({
  name: "posbridge_auth_failures_total",
  help:
    "Refused authentications, by reason (missing, malformed, unknown, revoked, expired: 401; forbidden: a valid " +
    "key without the scope, 403).",
  labelNames: ["reason"] as const,
  registers,
});

export const writes = new client.Counter({
  name: "posbridge_writes_total",
  help:
    "Records written, by route template and result (created, updated, unchanged, error). A batch counts each of " +
    "its records.",
  labelNames: ["route", "result"] as const,
  registers,
});

// The closed label sets start at 0, so a rate() over them exists before the first event.
for (const reason of ["missing", "malformed", "unknown", "revoked", "expired", "forbidden"])
  authFailures.inc({ reason }, 0);
for (const policy of ["default", "heavy", "auth-failures"]) rateLimitRejections.inc({ policy }, 0);
for (const reason of ["serialization_failure", "deadlock", "lost_race"]) transactionRetries.inc({ reason }, 0);
for (const feed of ["transactions", "customers", "inventory"]) feedRequestLag.zero({ feed });
