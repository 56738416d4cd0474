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
export async function refreshReportRollups(
  pool: pg.Pool | pg.ClientBase,
  merchantId: string,
  from: string | null,
  to: string | null,
): Promise<number> {
  let rebuilt = 0;
  const stopTimer = rollupRefreshDuration.startTimer();
  try {
    for (;;) {
      const { rows } = await pool.query<{ n: number }>(
        "SELECT refresh_report_rollups($1, $2::date, $3::date, $4) AS n",
        [merchantId, from, to, DAYS_PER_CALL],
      );
      const n = rows[0]!.n;
      rebuilt += n;
      if (n < DAYS_PER_CALL) return rebuilt;
    }
  } finally {
    stopTimer();
    rollupStoreDaysRebuilt.inc(rebuilt);
  }
}

/**
 * Sums again the monthly line rollups (sales_monthly_lines) of the merchant's store-months that a
 * refresh marked, for the months starting in [fromMonth, toMonth) (null: unbounded). Call it after
 * refreshReportRollups over those months' days, so the day rows it sums are up to date.
 */
export async function refreshMonthRollups(
  pool: pg.Pool | pg.ClientBase,
  merchantId: string,
  fromMonth: string | null,
  toMonth: string | null,
): Promise<number> {
  const { rows } = await pool.query<{ n: number }>("SELECT refresh_report_months($1, $2::date, $3::date) AS n", [
    merchantId,
    fromMonth,
    toMonth,
  ]);
  return rows[0]!.n;
}
