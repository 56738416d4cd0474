// Bringing the report rollups up to date before a report reads them: the database function
// refresh_report_rollups() rebuilds the store-days that writes marked stale: the sales rollups and
// the first purchases of those days' customers (see the migration 20261127030000_report_rollups).
// It takes a bounded batch of store-days per call, so each call is a short transaction within the
// statement timeout and a long backlog still makes progress. This module owns the rollup statements.
import { type RawBuilder, sql } from "kysely";
import { type Executor, first, tenantStatement } from "../db/sql.js";
import type { Tenant } from "../db/tenant.js";
import { rollupRefreshDuration, rollupStoreDaysRebuilt } from "../metrics/registry.js";

/** Store-days rebuilt per call: about 30 ms each in bulk for a store selling ~550 receipts a day. */
const DAYS_PER_CALL = 100;

/** A business day (YYYY-MM-DD), or null for an open end. */
type Day = string | null;

/** How many store-days (or store-months) a refresh function rebuilt. */
const rebuiltCount = async (db: Executor, tenant: Tenant, call: RawBuilder<{ n: number }>) =>
  (await first(db, tenantStatement(tenant, call)))!.n;

/**
 * Rebuilds every stale store-day of the merchant in [from, to) (null: unbounded) and returns how
 * many it rebuilt. Writes that commit meanwhile leave their marks for the next refresh.
 */
export async function refreshReportRollups(db: Executor, tenant: Tenant, from: Day, to: Day): Promise<number> {
  let rebuilt = 0;
  const stopTimer = rollupRefreshDuration.startTimer();
  try {
    for (;;) {
      const n = await rebuiltCount(
        db,
        tenant,
        sql<{
          n: number;
        }>`SELECT refresh_report_rollups(${tenant.merchant}, ${from}::date, ${to}::date, ${DAYS_PER_CALL}) AS n`,
      );
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
export async function refreshMonthRollups(db: Executor, tenant: Tenant, fromMonth: Day, toMonth: Day): Promise<number> {
  return rebuiltCount(
    db,
    tenant,
    sql<{ n: number }>`SELECT refresh_report_months(${tenant.merchant}, ${fromMonth}::date, ${toMonth}::date) AS n`,
  );
}
