-- Node 20's sales report right after a receipt of that month came out 1.57x slower on big before ANALYZE than
-- after (71.3 against 45.4 ms, the bench's goal 1.5x): the time is refresh_report_rollups() rebuilding the
-- receipt's store-day, and in it refresh_customer_rollups()'s first statement, which compares the store-day's
-- customer rows before (customer_sales_daily) with those its receipts give now. Each side was an anti-join
-- (NOT EXISTS) of one against the other. On tables never analysed the planner expects one row a side (its guess
-- for a key's probe) and joined them by a nested loop: every row of one side read once per row of the other, 690
-- x 346 rows twice on a store-day of big (237,705 rows removed by the join filter each, 58.7 ms against 2.6 ms
-- analysed, auto_explain with timing). Now both sides are one list grouped by all a row holds: a row before that
-- no row now equals is removed, a row now that no row before equals is added, the same rows as before, and
-- each row is read once whatever the planner expects (test/reports/rollup-plans.test.ts). Nothing else changes
-- from 20261205082000_customer_month_rollups.

CREATE OR REPLACE FUNCTION refresh_customer_rollups(p_merchant uuid, locs uuid[], days date[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  touched_customers uuid[];
  touched_months date[];
  mon date;
  cs uuid[];
BEGIN
  -- The store-days' rows now, from their receipts. Only the rows that differ are written: those
  -- before that are no longer the same (deleted) and those now that were not (inserted); their
  -- customers are the ones whose months change (a new receipt: one customer, not the day's hundreds).
  WITH old AS (
    SELECT d.id, d.location_id, d.business_date, d.customer_id, d.receipts, d.net_cents
    FROM unnest(locs, days) AS k(location_id, business_date)
    CROSS JOIN LATERAL (
      SELECT x.id, x.location_id, x.business_date, x.customer_id, x.receipts, x.net_cents FROM customer_sales_daily x
      WHERE x.merchant_id = p_merchant AND x.business_date = k.business_date AND x.location_id = k.location_id
      OFFSET 0) d
  ), fresh AS (
    SELECT t.location_id, t.business_date, t.customer_id, count(*) FILTER (WHERE t.kind = 'sale') AS receipts,
           sum(((t.subtotal - t.discount_total) * 100)::bigint) AS net_cents
    FROM unnest(locs, days) AS k(location_id, business_date)
    CROSS JOIN LATERAL (
      SELECT x.location_id, x.business_date, x.customer_id, x.kind, x.subtotal, x.discount_total FROM transactions x
      WHERE x.merchant_id = p_merchant AND x.business_date = k.business_date AND x.location_id = k.location_id
        AND x.status = 'completed' AND x.deleted_at IS NULL
      OFFSET 0) t
    GROUP BY t.location_id, t.business_date, t.customer_id
  ), compared AS (
    -- Both sides as one list grouped by all a row holds (GROUP BY takes nulls as equal, like IS NOT
    -- DISTINCT FROM): each row read once, whatever the planner expects (this migration).
    SELECT s.location_id, s.business_date, s.customer_id, s.receipts, s.net_cents,
           bool_or(s.is_fresh) AS in_fresh, bool_or(NOT s.is_fresh) AS in_old,
           array_agg(s.id) FILTER (WHERE NOT s.is_fresh) AS old_ids
    FROM (
      SELECT o.id, o.location_id, o.business_date, o.customer_id, o.receipts::bigint AS receipts,
             o.net_cents::numeric AS net_cents, false AS is_fresh
      FROM old o
      UNION ALL
      SELECT NULL, f.location_id, f.business_date, f.customer_id, f.receipts, f.net_cents, true FROM fresh f
    ) s
    GROUP BY s.location_id, s.business_date, s.customer_id, s.receipts, s.net_cents
  ), removed AS (
    -- The rows before that no row now equals.
    SELECT u.id, c.customer_id, c.business_date
    FROM compared c CROSS JOIN LATERAL unnest(c.old_ids) AS u(id)
    WHERE NOT c.in_fresh
  ), added AS (
    -- The rows now that no row before equals (one a store, day and customer: fresh is grouped by them).
    SELECT c.location_id, c.business_date, c.customer_id, c.receipts, c.net_cents FROM compared c WHERE NOT c.in_old
  ), gone AS (
    DELETE FROM customer_sales_daily r WHERE r.id = ANY (ARRAY(SELECT x.id FROM removed x))
  ), written AS (
    INSERT INTO customer_sales_daily (merchant_id, location_id, business_date, customer_id, receipts, net_cents)
    SELECT p_merchant, a.location_id, a.business_date, a.customer_id, a.receipts, a.net_cents FROM added a
  ), both_sides AS (
    SELECT x.customer_id, x.business_date FROM removed x WHERE x.customer_id IS NOT NULL
    UNION
    SELECT a.customer_id, a.business_date FROM added a WHERE a.customer_id IS NOT NULL
  )
  SELECT array_agg(b.customer_id), array_agg(date_trunc('month', b.business_date::timestamp)::date)
  INTO touched_customers, touched_months FROM both_sides b;

  -- The rebuilt days' figures over every store (this statement sees the rows just written).
  WITH now AS (
    SELECT d.business_date, s.*
    FROM (SELECT DISTINCT u.business_date FROM unnest(days) AS u(business_date)) d
    CROSS JOIN LATERAL (
      SELECT count(*) AS n, coalesce(sum(x.receipts), 0) AS receipts,
             coalesce(sum(x.receipts) FILTER (WHERE x.customer_id IS NOT NULL), 0) AS known_receipts,
             count(DISTINCT x.customer_id) FILTER (WHERE x.receipts > 0) AS customers,
             coalesce(sum(x.net_cents), 0) AS net_cents,
             coalesce(sum(x.net_cents) FILTER (WHERE x.customer_id IS NOT NULL), 0) AS known_net_cents
      FROM customer_sales_daily x WHERE x.merchant_id = p_merchant AND x.business_date = d.business_date) s
  ), gone AS (
    DELETE FROM customer_days c
    WHERE c.merchant_id = p_merchant AND c.business_date = ANY (ARRAY(SELECT n.business_date FROM now n WHERE n.n = 0))
  )
  INSERT INTO customer_days (merchant_id, business_date, receipts, known_receipts, customers, net_cents, known_net_cents)
  SELECT p_merchant, n.business_date, n.receipts, n.known_receipts, n.customers, n.net_cents, n.known_net_cents
  FROM now n WHERE n.n > 0
  ON CONFLICT (merchant_id, business_date) DO UPDATE SET receipts = EXCLUDED.receipts,
    known_receipts = EXCLUDED.known_receipts, customers = EXCLUDED.customers, net_cents = EXCLUDED.net_cents,
    known_net_cents = EXCLUDED.known_net_cents;

  -- The touched customers' months, a month at a time (usually one): each customer's rows of the
  -- month summed again, and the month's count of customers with a sale moved by the difference.
  FOR mon, cs IN
    SELECT u.month, array_agg(DISTINCT u.customer_id) FROM unnest(touched_customers, touched_months) AS u(customer_id, month)
    GROUP BY u.month
  LOOP
    WITH now AS (
      SELECT c.customer_id, s.n, s.receipts, s.net_cents
      FROM unnest(cs) AS c(customer_id)
      CROSS JOIN LATERAL (
        SELECT count(*) AS n, coalesce(sum(x.receipts), 0) AS receipts, coalesce(sum(x.net_cents), 0) AS net_cents
        FROM customer_sales_daily x
        WHERE x.merchant_id = p_merchant AND x.customer_id = c.customer_id
          AND x.business_date >= mon AND x.business_date < (mon + interval '1 month')::date) s
    ), was AS (
      -- A probe of the primary key per customer (= ANY over the month read the month's every row).
      SELECT o.receipts
      FROM unnest(cs) AS c(customer_id)
      CROSS JOIN LATERAL (
        SELECT x.receipts FROM customer_months x
        WHERE x.merchant_id = p_merchant AND x.month = mon AND x.customer_id = c.customer_id
        OFFSET 0) o
    ), gone AS (
      DELETE FROM customer_months o
      WHERE o.merchant_id = p_merchant AND o.month = mon
        AND o.customer_id = ANY (ARRAY(SELECT n.customer_id FROM now n WHERE n.n = 0))
    ), kept AS (
      INSERT INTO customer_months (merchant_id, month, customer_id, receipts, net_cents)
      SELECT p_merchant, mon, n.customer_id, n.receipts, n.net_cents FROM now n WHERE n.n > 0
      ON CONFLICT (merchant_id, month, customer_id) DO UPDATE SET receipts = EXCLUDED.receipts, net_cents = EXCLUDED.net_cents
      WHERE (customer_months.receipts, customer_months.net_cents) IS DISTINCT FROM (EXCLUDED.receipts, EXCLUDED.net_cents)
    )
    INSERT INTO customer_month_totals (merchant_id, month, customers)
    SELECT p_merchant, mon,
           (SELECT count(*) FROM now n WHERE n.n > 0 AND n.receipts > 0) - (SELECT count(*) FROM was w WHERE w.receipts > 0)
    ON CONFLICT (merchant_id, month) DO UPDATE SET customers = customer_month_totals.customers + EXCLUDED.customers;
  END LOOP;
END
$$;
