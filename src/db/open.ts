// Where the service's database comes from: DATABASE_URL when set (nothing started), otherwise the
// embedded PostgreSQL in a git-ignored folder of the project. Either way it is migrated first.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config/env.js";
import { createDb, type Db } from "./client.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded.js";

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
    const db = createDb({ url, poolMax: config.DB_POOL_MAX, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS });
    return { db, url, embedded, appliedMigrations };
  } catch (error) {
    await embedded?.stop();
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
    const child = spawn(process.execPath, args, { env: { ...process.env, MIGRATE_DATABASE_URL: url }, stdio: ["ignore", "pipe", "pipe"] });
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
