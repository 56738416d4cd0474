// Where the service's database comes from: DATABASE_URL when set (nothing started), otherwise the
// embedded PostgreSQL in a git-ignored folder of the project. Either way it is migrated first.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Config } from "../config/env.js";
import { createDb, type Db } from "./client.js";
import { type EmbeddedDatabase, embeddedUrl, ensureDatabaseOn, startEmbeddedPostgres } from "./embedded.js";

export const EMBEDDED_DATABASE = "pos_bridge";

export interface OpenedDatabase {
  db: Db;
  url: string;
  /** Set when this process started the embedded server (and must stop it). */
  embedded: EmbeddedDatabase | null;
  appliedMigrations: string[];
}

export async function openDatabase(config: Config, log: (line: string) => void = () => {}): Promise<OpenedDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.DATABASE_URL;
  if (!url) {
    log(`starting embedded PostgreSQL in ${config.EMBEDDED_PG_DIR} on 127.0.0.1:${config.EMBEDDED_PG_PORT}`);
    embedded = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
    url = await embedded.ensureDatabase(EMBEDDED_DATABASE);
  }
  try {
    const appliedMigrations = await applyMigrationsApart(url);
    const db = createDb({
      url,
      poolMax: config.DB_POOL_MAX,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      idleTimeoutMs: config.DB_POOL_IDLE_TIMEOUT_MS,
    });
    return { db, url, embedded, appliedMigrations };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

export interface CommandDatabase {
  /** The service's database. */
  url: string;
  /** The server's `postgres` database (DATABASE_URL itself when set). */
  adminUrl: string;
  /** Stops the embedded server when this command started it. */
  release(): Promise<void>;
}

/**
 * The database of a one-off command (seed, keys, migrations): DATABASE_URL when set; otherwise the
 * embedded PostgreSQL of `npm start`, used as is when a server answers on its port (a second one
 * cannot start on the same folder while `npm start` runs), started for the command when none does.
 * Not migrated here: each command migrates (or, creating a migration, must not).
 */
export async function openCommandDatabase(config: Config): Promise<CommandDatabase> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, adminUrl: config.DATABASE_URL, release: async () => {} };
  const adminUrl = embeddedUrl(config.EMBEDDED_PG_PORT, "postgres");
  const probe = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  let running = false;
  try {
    await probe.connect();
    running = true;
  } catch {
    // Nothing of ours answers there: start it below (and say why if that fails).
  } finally {
    await probe.end().catch(() => {});
  }
  if (running) {
    await ensureDatabaseOn(adminUrl, EMBEDDED_DATABASE);
    return { url: embeddedUrl(config.EMBEDDED_PG_PORT, EMBEDDED_DATABASE), adminUrl, release: async () => {} };
  }
  const embedded = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
  try {
    return {
      url: await embedded.ensureDatabase(EMBEDDED_DATABASE),
      adminUrl: embedded.adminUrl,
      release: () => embedded.stop(),
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}

/**
 * Runs src/db/migrate-process in a child process (see there why) with this process's Node, as
 * TypeScript through tsx when this module is (`npm run dev`, tests) and as the built JavaScript
 * otherwise (`npm start`); returns the names of the migrations it applied.
 */
function applyMigrationsApart(url: string): Promise<string[]> {
  const self = fileURLToPath(import.meta.url);
  const script = path.join(path.dirname(self), `migrate-process${path.extname(self)}`);
  const args = path.extname(self) === ".ts" ? ["--import", "tsx", script] : [script];
  return new Promise((resolve, reject) => {
    // The URL (with its password) goes through the environment, never the command line.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, MIGRATE_DATABASE_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(err.trim() || `migrating exited with code ${code}`));
      try {
        resolve((JSON.parse(out.trim().split("\n").at(-1) ?? "") as { applied: string[] }).applied);
      } catch {
        reject(new Error(`migrating printed no result: ${out.trim()}`));
      }
    });
  });
}
