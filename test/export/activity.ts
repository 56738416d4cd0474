// What the exports' tests watch in PostgreSQL while an export runs, and waiting for it to happen.
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";

/** Waits until `check` holds, polling every 50 ms; throws after `ms`. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await sleep(50);
  }
}

export interface Running {
  query: string;
  /** What the backend waits for (pg_stat_activity.wait_event): "ClientWrite" when its client stopped reading. */
  wait_event: string | null;
}

/**
 * Statements of this database still running in client sessions, other than the one asking. Autovacuum's
 * workers are PostgreSQL's own (one analysing line_items after the seed failed a run once): not the export's.
 */
export const runningStatements = async (pool: pg.Pool): Promise<Running[]> =>
  (
    await pool.query<Running>(
      "SELECT query, wait_event FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' " +
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    )
  ).rows;
