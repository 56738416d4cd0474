// Helpers of the fault tests: waiting for a condition (a barrier, never a fixed sleep) and seeing,
// from a connection of the test's own, which statements of the service wait on a lock it holds.
import type pg from "pg";

/** Resolves once `condition` holds (checked every 20 ms); fails after `timeoutMs` naming `what`. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Backends waiting for a lock that `client` holds. `wrote`: its transaction has already written or
 * locked rows (it holds its own transaction id), so it is surely mid-write. Read from pg_locks,
 * which is live: pg_stat_activity is a snapshot taken once per transaction, and `client` is in one
 * (the lock's); nor does its statement tell, since a statement waiting while it is parsed still
 * shows the backend's previous one.
 */
export async function lockWaiters(client: pg.ClientBase): Promise<{ pid: number; wrote: boolean }[]> {
  const { rows } = await client.query<{ pid: number; wrote: boolean }>(
    `SELECT DISTINCT w.pid, EXISTS (SELECT 1 FROM pg_locks x WHERE x.pid = w.pid AND x.locktype = 'transactionid'
      AND x.granted) AS wrote
       FROM pg_locks w
      WHERE NOT w.granted AND pg_backend_pid() = ANY (pg_blocking_pids(w.pid))`,
  );
  return rows;
}

/** Holds `lock` (e.g. `LOCK TABLE line_items IN EXCLUSIVE MODE`) in a transaction of `client` until release(). */
export async function holdLock(client: pg.ClientBase, lock: string) {
  await client.query("BEGIN");
  await client.query(lock);
  return { release: () => client.query("ROLLBACK") };
}
