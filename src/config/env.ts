// Environment, parsed once at start-up by zod. A bad variable stops the process at once, named.
import { z } from "zod";

const boolish = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1");

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000)
    .describe("HTTP port of the service (0: any free port)."),
  HOST: z.string().default("0.0.0.0").describe("Interface to listen on."),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional()
    .describe("PostgreSQL to use. Unset: start the embedded PostgreSQL in EMBEDDED_PG_DIR."),
  EMBEDDED_PG_DIR: z.string().default(".data/postgres")
    .describe("Data directory of the embedded PostgreSQL (git-ignored)."),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329)
    .describe("Port of the embedded PostgreSQL (loopback only)."),
  SEED_DEMO: boolish.default(true)
    .describe("On the embedded database, seed the demo merchant on first start."),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10).describe("Connections in the pool."),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000)
    .describe("PostgreSQL statement_timeout for the service's queries."),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, "like 1mb or 512kb").default("1mb")
    .describe("Largest accepted JSON body."),
  CURSOR_SECRET: z.string().min(16).optional()
    .describe("Signs paging cursors (tampered cursors are refused). Set the same value on every instance; required in production."),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000)
    .describe("How long a graceful shutdown waits for in-flight requests."),
});

// A fixed secret is fine where cursors never leave one developer's machine; production must set its own.
const DEVELOPMENT_CURSOR_SECRET = "pos-bridge-development-cursor-secret";

const configSchema = envSchema
  .refine((env) => env.NODE_ENV !== "production" || env.CURSOR_SECRET, {
    path: ["CURSOR_SECRET"],
    message: "required when NODE_ENV=production (at least 16 characters, the same on every instance)",
  })
  .transform((env) => ({ ...env, CURSOR_SECRET: env.CURSOR_SECRET ?? DEVELOPMENT_CURSOR_SECRET }));

export type Config = z.output<typeof configSchema>;

/** Parses the environment; throws an Error whose message names every bad variable. */
export function parseEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  return result.data;
}
