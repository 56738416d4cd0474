-- Every report after the bench's writes cost 15-20 ms more on big (the customers report over a month
-- 3.7 -> 20 ms, the sales report by day 4.8 -> 24 ms), and the customers report over a month on the
-- measured merchant of big and many came out 3.6-5.6x the 100,000-receipt merchant's. The time was
-- refresh_report_rollups() picking the range's marked store-days: its condition on the range,
--   (p_from IS NULL OR s.business_date >= p_from) AND (p_to IS NULL OR s.business_date < p_to),
-- is an index bound only in a plan made for the call's values. plpgsql keeps its statements' plans
-- for the connection, and after five calls PostgreSQL may switch to the generic plan (it did once the
-- tables were analysed: its estimate looked cheaper than the custom plans' average); in that plan the
-- range is a filter, so every call read every mark of the merchant through the index, the range's and
-- the others' (EXPLAIN ANALYZE on big: "Index Cond: (merchant_id = $1)", 141,909 rows removed by the
-- filter, 15.7 ms, on every report, for none picked). The others are there by design: a write marks
-- its store-day once per writing transaction, and a report takes only the marks of its own range, so
-- the marks of days after a month (today's writes: 131,836 marks of 15 store-days after the bench's
-- writes) wait for a report that covers them, and each month's report read them all again.
--
-- Now the range is always an index bound, in any plan: business_date >= coalesce(p_from, '-infinity')
-- and < coalesce(p_to, 'infinity'), the same days (an open end is every date). A refresh reads the
-- marks of its range only, custom or generic plan alike (test/reports/rollup-plans.test.ts). Nothing
-- else changes from 20261205082000_customer_month_rollups.

CREATE OR REPLACE FUNCTION refresh_report_rollups(p_merchant uuid, p_from date, p_to date, p_max_days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  locs uuid[];
  days date[];
  customers uuid[];
  first_days date[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('pos_bridge.report_rollups'), hashtext(p_merchant::text));

  -- A data-modifying WITH always runs to completion: the marks of the picked days are gone. Their
  -- marks are found per picked day and deleted by id. The range bounds the index scan in any plan (this
  -- migration): a mark outside it is never read.
  WITH picked AS (
    SELECT DISTINCT s.business_date, s.location_id FROM report_rollup_stale s
    WHERE s.merchant_id = p_merchant
      AND s.business_date >= coalesce(p_from, '-infinity'::date) AND s.business_date < coalesce(p_to, 'infinity'::date)
    ORDER BY s.business_date, s.location_id
    LIMIT p_max_days
  ), gone AS (
    DELETE FROM report_rollup_stale s
    WHERE s.id = ANY (ARRAY(
      SELECT m.id FROM picked p
      CROSS JOIN LATERAL (
        SELECT x.id FROM report_rollup_stale x
        WHERE x.merchant_id = p_merchant AND x.business_date = p.business_date AND x.location_id = p.location_id
        OFFSET 0) m))
  )
  SELECT array_agg(p.location_id), array_agg(p.business_date) INTO locs, days FROM picked p;

  IF locs IS NULL THEN
    RETURN 0;
  END IF;

  DELETE FROM sales_daily r
  WHERE r.id = ANY (ARRAY(
    SELECT d.id FROM unnest(locs, days) AS k(location_id, business_date)
    CROSS JOIN LATERAL (
      SELECT x.id FROM sales_daily x
      WHERE x.merchant_id = p_merchant AND x.business_date = k.business_date AND x.location_id = k.location_id
      OFFSET 0) d));
  DELETE FROM sales_daily_lines r
  WHERE r.id = ANY (ARRAY(
    SELECT d.id FROM unnest(locs, days) AS k(location_id, business_date)
    CROSS JOIN LATERAL (VALUES ('category'), ('brand'), ('product')) AS g(dimension)
    CROSS JOIN LATERAL (
      SELECT x.id FROM sales_daily_lines x
      WHERE x.merchant_id = p_merchant AND x.dimension = g.dimension
        AND x.business_date = k.business_date AND x.location_id = k.location_id
      OFFSET 0) d));

  -- The days' lines (a receipt without lines as one empty line), each with its receipt's fields,
  -- read once for both rollups: receipts through transactions(merchant_id, business_date,
  -- location_id), their lines through line_items(transaction_id, line_number). A receipt is
  -- counted on its first line, and in a line group on its first line in that group (row_number),
  -- which avoids count(DISTINCT) and a per-receipt aggregate.
  WITH lines AS MATERIALIZED (
    SELECT t.id, t.location_id, t.business_date, t.employee_id, t.kind = 'sale' AS is_sale,
           row_number() OVER (PARTITION BY t.id) = 1 AS receipt_first,
           li.category, li.brand, li.sku, li.name, li.quantity, li.discount, li.tax,
           round(li.unit_price * li.quantity, 2) AS gross,
           round(li.unit_cost * li.quantity, 4) AS cost,
           li.id IS NOT NULL AND li.unit_cost IS NULL AS no_cost
    FROM unnest(locs, days) AS k(location_id, business_date)
    CROSS JOIN LATERAL (
      SELECT x.id, x.location_id, x.business_date, x.employee_id, x.kind FROM transactions x
      WHERE x.merchant_id = p_merchant AND x.business_date = k.business_date AND x.location_id = k.location_id
        AND x.status = 'completed' AND x.deleted_at IS NULL
      OFFSET 0) t
    LEFT JOIN LATERAL (
      SELECT y.id, y.category, y.brand, y.sku, y.name, y.quantity, y.discount, y.tax, y.unit_price, y.unit_cost
      FROM line_items y WHERE y.transaction_id = t.id
      OFFSET 0) li ON true
  ), receipt_level AS (
    INSERT INTO sales_daily (merchant_id, location_id, business_date, employee_id, is_sale,
                             receipts, units, gross, discount, tax, cost, lines_without_cost)
    SELECT p_merchant, location_id, business_date, employee_id, is_sale,
           count(*) FILTER (WHERE receipt_first), coalesce(sum(quantity), 0), coalesce(sum(gross), 0), coalesce(sum(discount), 0),
           coalesce(sum(tax), 0), coalesce(sum(cost), 0), count(*) FILTER (WHERE no_cost)
    FROM lines
    GROUP BY location_id, business_date, employee_id, is_sale
  )
  INSERT INTO sales_daily_lines (merchant_id, location_id, business_date, dimension, group_key, group_name, is_sale,
                                 receipts, units, gross, discount, tax, cost, lines_without_cost)
  SELECT p_merchant, g.location_id, g.business_date, g.dimension, g.group_key, max(g.group_name), g.is_sale,
         count(*) FILTER (WHERE g.group_first), coalesce(sum(g.quantity), 0), coalesce(sum(g.gross), 0), coalesce(sum(g.discount), 0),
         coalesce(sum(g.tax), 0), coalesce(sum(g.cost), 0), count(*) FILTER (WHERE g.no_cost)
  FROM (
    SELECT l.*, d.dimension, d.group_key, d.group_name,
           row_number() OVER (PARTITION BY l.id, d.dimension, d.group_key) = 1 AS group_first
    FROM lines l
    CROSS JOIN LATERAL (VALUES ('category', l.category, l.category), ('brand', l.brand, l.brand), ('product', l.sku, l.name))
      AS d(dimension, group_key, group_name)
  ) g
  GROUP BY g.location_id, g.business_date, g.dimension, g.group_key, g.is_sale;

  -- The months of the rebuilt days: their monthly rows are summed again before a monthly report
  -- reads them (refresh_report_months), not here, so other reports after a write do not pay
  -- for re-reading a month. Marks and day rows change only under this lock, in one transaction.
  INSERT INTO sales_monthly_stale (merchant_id, location_id, month)
  SELECT DISTINCT p_merchant, k.location_id, date_trunc('month', k.business_date::timestamp)::date
  FROM unnest(locs, days) AS k(location_id, business_date)
  ON CONFLICT DO NOTHING;

  -- Each customer's first counted sale at each store. It can only have changed for a customer
  -- with a sale on a rebuilt day now, or whose first sale there was on a rebuilt day (voided,
  -- deleted, moved, or given to another customer since); each is looked up again in
  -- transactions_first_sale_idx, from the index alone.
  WITH touched AS (
    SELECT t.customer_id, t.location_id
    FROM unnest(locs, days) AS k(location_id, business_date)
    CROSS JOIN LATERAL (
      SELECT x.customer_id, x.location_id, x.kind FROM transactions x
      WHERE x.merchant_id = p_merchant AND x.business_date = k.business_date AND x.location_id = k.location_id
        AND x.status = 'completed' AND x.deleted_at IS NULL
      OFFSET 0) t
    -- Outside the probe: with them inside, the probe matches transactions_first_sale_idx's
    -- predicate, and a planner without statistics reads that index by merchant alone.
    WHERE t.customer_id IS NOT NULL AND t.kind = 'sale'
    UNION
    SELECT f.customer_id, f.location_id
    FROM unnest(locs, days) AS k(location_id, business_date)
    CROSS JOIN LATERAL (
      SELECT x.customer_id, x.location_id FROM customer_first_sales x
      WHERE x.merchant_id = p_merchant AND x.first_date = k.business_date AND x.location_id = k.location_id
      OFFSET 0) f
  ), firsts AS (
    SELECT x.customer_id, x.location_id,
           (SELECT min(t.business_date) FROM transactions t
            WHERE t.merchant_id = p_merchant AND t.customer_id = x.customer_id AND t.location_id = x.location_id
              AND t.kind = 'sale' AND t.status = 'completed' AND t.deleted_at IS NULL) AS first_date
    FROM touched x
  ), gone AS (
    DELETE FROM customer_first_sales f
    WHERE f.merchant_id = p_merchant
      AND f.customer_id = ANY (ARRAY(SELECT x.customer_id FROM firsts x WHERE x.first_date IS NULL))
      AND (f.customer_id, f.location_id) IN (SELECT x.customer_id, x.location_id FROM firsts x WHERE x.first_date IS NULL)
  ), kept AS (
    INSERT INTO customer_first_sales (merchant_id, customer_id, location_id, first_date)
    SELECT p_merchant, customer_id, location_id, first_date FROM firsts WHERE first_date IS NOT NULL
    ON CONFLICT (merchant_id, customer_id, location_id) DO UPDATE SET first_date = EXCLUDED.first_date
    WHERE customer_first_sales.first_date IS DISTINCT FROM EXCLUDED.first_date
  )
  SELECT array_agg(DISTINCT x.customer_id) INTO customers FROM firsts x;

  -- Their first purchase at any store: the earliest of their store firsts just written (this
  -- statement sees the one before it), each a probe of customer_first_sales' primary key.
  -- (This migration: the days whose count of first purchases changes, each customer's first purchase
  -- before and after, are kept for customer_new_days below.)
  WITH earliest AS (
    SELECT c.customer_id,
           (SELECT min(f.first_date) FROM customer_first_sales f
            WHERE f.merchant_id = p_merchant AND f.customer_id = c.customer_id) AS first_date,
           (SELECT p.first_date FROM customer_first_purchases p
            WHERE p.merchant_id = p_merchant AND p.customer_id = c.customer_id) AS was
    FROM unnest(customers) AS c(customer_id)
  ), gone AS (
    DELETE FROM customer_first_purchases p
    WHERE p.merchant_id = p_merchant
      AND p.customer_id = ANY (ARRAY(SELECT e.customer_id FROM earliest e WHERE e.first_date IS NULL))
  ), kept AS (
    INSERT INTO customer_first_purchases (merchant_id, customer_id, first_date)
    SELECT p_merchant, customer_id, first_date FROM earliest WHERE first_date IS NOT NULL
    ON CONFLICT (merchant_id, customer_id) DO UPDATE SET first_date = EXCLUDED.first_date
    WHERE customer_first_purchases.first_date IS DISTINCT FROM EXCLUDED.first_date
  )
  SELECT array_agg(DISTINCT d.day) INTO first_days
  FROM earliest e CROSS JOIN LATERAL (VALUES (e.first_date), (e.was)) AS d(day)
  WHERE e.first_date IS DISTINCT FROM e.was AND d.day IS NOT NULL;

  -- Those days' new customers counted again (this statement sees the first purchases just written):
  -- a range of customer_first_purchases(merchant_id, first_date) per day.
  WITH counted AS (
    SELECT d.day, (SELECT count(*) FROM customer_first_purchases p
                   WHERE p.merchant_id = p_merchant AND p.first_date = d.day) AS n
    FROM unnest(first_days) AS d(day)
  ), gone AS (
    DELETE FROM customer_new_days c
    WHERE c.merchant_id = p_merchant AND c.business_date = ANY (ARRAY(SELECT x.day FROM counted x WHERE x.n = 0))
  )
  INSERT INTO customer_new_days (merchant_id, business_date, customers)
  SELECT p_merchant, x.day, x.n FROM counted x WHERE x.n > 0
  ON CONFLICT (merchant_id, business_date) DO UPDATE SET customers = EXCLUDED.customers;

  -- The customers report's rollups of the same store-days (this migration).
  PERFORM refresh_customer_rollups(p_merchant, locs, days);

  RETURN array_length(locs, 1);
END
$$;
