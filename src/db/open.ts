// Where the service's database comes from: DATABASE_URL when set (nothing started), otherwise the
// embedded PostgreSQL in a git-ignored folder of the project. Either way it is migrated first.
import type { Config } from "../config/env.js";
import { createDb, type Db } from "./client.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded.js";
import { applyMigrations } from "./migrations.js";

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
    const appliedMigrations = await applyMigrations(url);
    const db = createDb({ url, poolMax: config.DB_POOL_MAX, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS });
    return { db, url, embedded, appliedMigrations };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
