// Bringing the report rollups up to date before a report reads them: the database function
// refresh_report_rollups() rebuilds the store-days that writes marked stale: the sales rollups and
// the first purchases of those days' customers (see the migration 20261127030000_report_rollups).
// It takes a bounded batch of store-days per call, so each call is a short transaction within the
// statement timeout and a long backlog still makes progress.
import type pg from "pg";
import { rollupRefreshDuration, rollupStoreDaysRebuilt } from "../metrics/registry.js";

/** Store-days rebuilt per call: about 30 ms each in bulk for a store selling ~550 receipts a day. */
const DAYS_PER_CALL = 100;

/**
 * Rebuilds every stale store-day of the merchant in [from, to) (null: unbounded) and returns how
 * many it rebuilt. Writes that commit meanwhile leave their marks for the next refresh.
 */
export async function refreshReportRollups(pool: pg.Pool | pg.ClientBase, merchantId: string, from: string | null, to: string | null): Promise<number> {
  let rebuilt = 0;
  const stopTimer = rollupRefreshDuration.startTimer();
  try {
    for (;;) {
      const { rows } = await pool.query<{ n: number }>("SELECT refresh_report_rollups($1, $2::date, $3::date, $4) AS n", [merchantId, from, to, DAYS_PER_CALL]);
      const n = rows[0]!.n;
      rebuilt += n;
      if (n < DAYS_PER_CALL) return rebuilt;
    }
  } finally {
    stopTimer();
    rollupStoreDaysRebuilt.inc(rebuilt);
  }
}
