-- A write could be lost from the reports for good. pos_bridge_mark_report_stale skipped its insert
-- when any mark of the store-day existed, so a writer relied on a mark another transaction had
-- committed. A report's refresh could take that mark (delete it) and rebuild the day before the
-- writer committed, from receipts without the writer's change; once the writer committed, nothing
-- marked the day again, and every later report missed the change (sales rollups and customers'
-- first purchases alike).
--
-- The rule now: a writer relies only on a mark its own transaction made. That mark is invisible to
-- every refresh until the writer commits, and a refresh deletes only the marks its first statement
-- sees, then reads the receipts in later statements (READ COMMITTED: a snapshot per statement), so
-- whatever a refresh deletes, it rebuilds with the change that made it. A writer that commits after
-- the refresh took its marks leaves its own mark for the next one. Marks become one per writing
-- transaction and store-day instead of one per store-day; still no unique index, so writers of
-- one day never wait on each other.
--
-- xact_id is the top-level transaction (pg_current_xact_id(), the same in a savepoint); xid8 does
-- not wrap around, so an old mark can never pass for the writer's own. Marks stored before this
-- migration get its own transaction id, which no writer has.

-- DropIndex
DROP INDEX "report_rollup_stale_merchant_id_business_date_location_id_idx";

-- AlterTable
ALTER TABLE "report_rollup_stale" ADD COLUMN     "xact_id" xid8 NOT NULL DEFAULT pg_current_xact_id();

-- CreateIndex (the writer's lookup of its own mark; a refresh still uses its first three columns)
CREATE INDEX "report_rollup_stale_merchant_id_business_date_location_id_x_idx" ON "report_rollup_stale"("merchant_id", "business_date", "location_id", "xact_id");

CREATE OR REPLACE FUNCTION pos_bridge_mark_report_stale(merchant_ids uuid[], location_ids uuid[], days date[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO report_rollup_stale (merchant_id, location_id, business_date, xact_id)
  SELECT DISTINCT k.merchant_id, k.location_id, k.business_date, pg_current_xact_id()
  FROM unnest(merchant_ids, location_ids, days) AS k(merchant_id, location_id, business_date)
  WHERE NOT EXISTS (SELECT 1 FROM report_rollup_stale s
                    WHERE s.merchant_id = k.merchant_id AND s.business_date = k.business_date AND s.location_id = k.location_id
                      AND s.xact_id = pg_current_xact_id())
$$;
