-- Marking a store-day stale cost more than the write it marked. pos_bridge_mark_report_stale was
-- a LANGUAGE sql function called from the statement triggers by PERFORM: PostgreSQL inlines only a
-- SQL function that is a single SELECT, so each call parsed, analysed and planned its INSERT again
-- (pg_stat_statements: 0.08-0.11 ms planning for 0.02-0.04 ms of execution, twice per new sale: once
-- for its receipt, once for its lines). The same INSERT in plpgsql keeps its plan for the
-- connection's life (plpgsql's plan cache), so a mark costs its execution only; the generic plan is
-- forced because the plan cache would otherwise keep choosing a custom plan, planned per call
-- again (its estimate for a one-element unnest is always cheaper than the generic plan's ten). The
-- generic plan is the same: an anti-join probing the (merchant, day, store, xact_id) index once per
-- store-day, whatever the arrays' length.
--
-- Nothing else changes: the same rule as 20261205012005_report_marks_own_transaction (a writer
-- relies only on a mark its own transaction made), the same statement, the same signature, so the
-- triggers of 20261127030000_report_rollups call it unchanged.
CREATE OR REPLACE FUNCTION pos_bridge_mark_report_stale(merchant_ids uuid[], location_ids uuid[], days date[]) RETURNS void
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  INSERT INTO report_rollup_stale (merchant_id, location_id, business_date, xact_id)
  SELECT DISTINCT k.merchant_id, k.location_id, k.business_date, pg_current_xact_id()
  FROM unnest(merchant_ids, location_ids, days) AS k(merchant_id, location_id, business_date)
  WHERE NOT EXISTS (SELECT 1 FROM report_rollup_stale s
                    WHERE s.merchant_id = k.merchant_id AND s.business_date = k.business_date AND s.location_id = k.location_id
                      AND s.xact_id = pg_current_xact_id());
END
$$;
