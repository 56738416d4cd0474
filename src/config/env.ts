// Environment, parsed once at start-up by zod. A bad variable stops the process at once, named.
import { z } from "zod";
import { prose } from "../lib/prose.js";

const isOrigin = (value: string) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
};

const boolish = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(3000)
    .describe("HTTP port of the service (0: any free port)."),
  HOST: z.string().default("0.0.0.0").describe("Interface to listen on."),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .describe("PostgreSQL to use. Unset: start the embedded PostgreSQL in EMBEDDED_PG_DIR."),
  EMBEDDED_PG_DIR: z
    .string()
    .default(".data/postgres")
    .describe("Data directory of the embedded PostgreSQL (git-ignored)."),
  EMBEDDED_PG_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(54329)
    .describe("Port of the embedded PostgreSQL (loopback only)."),
  SEED_DEMO: boolish.default(true).describe("On the embedded database, seed the demo merchant on first start."),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10).describe("Connections in the pool."),
  DB_POOL_IDLE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(600_000)
    .describe(
      "How long a pooled connection is kept unused before it is closed (0: never). Longer than AIQ's polling " +
        "interval, so a poll finds a connection with its statements prepared and planned.",
    ),
  DB_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(15000)
    .describe("PostgreSQL statement_timeout for the service's queries."),
  FEED_LAG_WARN_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(30000)
    .describe(prose`
      Warn in the log when the feeds' horizon trails now by this much (a session holding a transaction id stalls every
      feed); /readyz and /metrics show the lag.
    `),
  FEED_LAG_SAMPLE_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(5000)
    .describe("How often the server samples the feed lag (the posbridge_feed_lag_seconds gauge and the warning)."),
  KEY_CACHE_TTL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe(prose`
      How long a verified key is kept in the process at most (0: never kept, every request reads its key). A kept
      key is dropped at once when PostgreSQL notifies a change to it; the TTL bounds staleness should a notification
      be lost.
    `),
  FEED_HORIZON_REUSE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(0)
    .describe(prose`
      A feed's horizon read by one request is reused by the feed requests that start within this many ms of its
      reading, unless a write through this instance ended since (0, the default: every feed request reads its own).
      The feeds then trail by up to this much more; each request's lag (complete_through,
      posbridge_feed_request_lag_seconds) says so. Off by default: with it on and the key kept, a request's page
      statement is its only one, and 100-row pages 20 ms apart took ~55-77 ms 1-6 times in 400, never with it off
      (bench/idle-gaps.ts).
    `),
  EXPORT_KEPT_LINES_MAX_ROWS: z.coerce
    .number()
    .int()
    .min(0)
    .default(50_000)
    .describe(prose`
      The NDJSON export of transactions (our own shape) fills each line's product and stock on hand in from the
      merchant's products and the stock of the key's stores, loaded at the export's start (measured: ~170 bytes of
      memory a stock row, ~280 a product; at most ~14 MB at the default). Above this many rows of both together, it
      renders the lines in PostgreSQL as the pages do (~1.7× its database work); 0: always.
    `),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, "like 1mb or 512kb")
    .default("1mb")
    .describe("Largest accepted JSON body."),
  CURSOR_SECRET: z
    .string()
    .min(16)
    .optional()
    .describe(prose`
      Signs paging cursors (tampered cursors are refused). Set the same value on every instance; required in production.
    `),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10000)
    .describe("How long a graceful shutdown waits for in-flight requests."),
  RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(600)
    .describe("Requests per minute per API key on ordinary routes."),
  RATE_LIMIT_HEAVY_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(60)
    .describe("Requests per minute per API key on heavy routes (reports, exports): a budget of its own."),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .default(30)
    .describe(
      "Failed authentications per minute per client address; past it, the address gets 429 until the minute ends.",
    ),
  RATE_LIMIT_STORE: z
    .enum(["memory", "postgres"])
    .default("memory")
    .describe(
      "Where rate-limit counters live: memory (one instance) or postgres (shared by every instance on the database).",
    ),
  TRUST_PROXY: z
    .string()
    .default("false")
    .refine((v) => v !== "true", "say which proxies to trust (a hop count, or addresses/subnets), never all of them")
    .transform((v): false | number | string => (v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v))
    .describe(prose`
      Proxies in front of the service whose X-Forwarded-For is believed (Express 'trust proxy': a hop count, or
      comma-separated addresses/subnets such as loopback, 10.0.0.0/8). false: the peer address is the client.
    `),
  REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30000)
    .describe(prose`
      Longest time before an answer starts; past it, 503. A stream that has started is exempt (see
      STREAM_IDLE_TIMEOUT_MS).
    `),
  BODY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(10000)
    .describe(
      "Longest time for a request's body to arrive once its headers are in; past it, 408 and the connection is closed.",
    ),
  STREAM_IDLE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(60000)
    .describe("A streaming answer (export) that sends nothing for this long is cut."),
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every(isOrigin),
      "comma-separated origins like https://app.example.com (scheme, host, optional port; no path, no *)",
    )
    .describe("Browser origins allowed to call the API (CORS). Empty: none, and no Access-Control-* headers are sent."),
});

// A fixed secret is fine where cursors never leave one developer's machine; production must set its own.
const DEVELOPMENT_CURSOR_SECRET = "pos-bridge-development-cursor-secret";

const configSchema = envSchema
  .refine((env) => env.NODE_ENV !== "production" || env.CURSOR_SECRET, {
    path: ["CURSOR_SECRET"],
    message: "required when NODE_ENV=production (at least 16 characters, the same on every instance)",
  })
  .transform((env) => ({
    ...env,
    CURSOR_SECRET: env.CURSOR_SECRET ?? DEVELOPMENT_CURSOR_SECRET,
  }));

export type Config = z.output<typeof configSchema>;

/** Parses the environment; throws an Error whose message names every bad variable. */
export function parseEnv(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (FOO= in a compose file or a shell) means "not set".
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = configSchema.safeParse(set);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  return result.data;
}
