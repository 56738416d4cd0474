-- The customers report over a calendar month read every receipt of the month: its distinct buyers,
-- each buyer's net and the top customers are an exact count and sort of what the month holds (82,623
-- receipts and 51,736 buyers in a month of a 1M-receipt merchant: ~140 ms of a 215 ms report), so a
-- month cost 10x more on a merchant selling 10x more. A month's answer over every store is now kept
-- precomputed, as exact as the receipts:
--
-- - customer_sales_daily: per store, business day and customer, the counted sales and net amount in
--   cents (a row with customer_id null for the receipts without one). Rebuilt for every store-day a
--   refresh rebuilds, like sales_daily: it is also what the refresh remembers of a day's customers, so
--   a receipt voided, deleted or given to another customer reaches the customer it was taken from.
-- - customer_days: per business day over every store, the report's figures of the day (receipts, those
--   naming a customer, distinct customers with a sale, net amounts), summed again from
--   customer_sales_daily for each rebuilt day (a day's rows over every store, a few thousand at most).
-- - customer_months: per calendar month and customer, the sums of their customer_sales_daily rows;
--   summed again, by a probe of (merchant_id, customer_id, business_date), for the customers of the
--   rebuilt store-days (the day's customers now and before). Its (merchant_id, month, net_cents DESC,
--   customer_id) index gives a month's top customers in their report order.
-- - customer_month_totals: per month, how many customer_months rows have a sale: updated by the same
--   statement with the difference between the touched customers' rows before and after.
-- - customer_new_days: per business day, how many customers made their first purchase (at any store)
--   that day: customer_first_purchases counted per first_date, counted again for the days a refresh
--   moves a customer's first purchase from or to.
--
-- All five change only in refresh_report_rollups() (below: the function of
-- 20261205063000_customer_first_purchases, plus customer_new_days and a call to
-- refresh_customer_rollups()), under the merchant's refresh lock and in the transaction that takes the store-days' marks, so they follow the
-- same freshness rule as the sales rollups: a report refreshes every marked day up to its range's end
-- first. Every row is reached by key (LATERAL probes, a loop per month), whatever the statistics.

-- CreateTable
CREATE TABLE "customer_sales_daily" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
    "customer_id" UUID,
    "receipts" INTEGER NOT NULL,
    "net_cents" BIGINT NOT NULL,

    CONSTRAINT "customer_sales_daily_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_days" (
    "merchant_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
    "receipts" INTEGER NOT NULL,
    "known_receipts" INTEGER NOT NULL,
    "customers" INTEGER NOT NULL,
    "net_cents" BIGINT NOT NULL,
    "known_net_cents" BIGINT NOT NULL,

    CONSTRAINT "customer_days_pkey" PRIMARY KEY ("merchant_id","business_date")
);

-- CreateTable
CREATE TABLE "customer_months" (
    "merchant_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "customer_id" UUID NOT NULL,
    "receipts" INTEGER NOT NULL,
    "net_cents" BIGINT NOT NULL,

    CONSTRAINT "customer_months_pkey" PRIMARY KEY ("merchant_id","month","customer_id")
);

-- CreateTable
CREATE TABLE "customer_new_days" (
    "merchant_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
    "customers" INTEGER NOT NULL,

    CONSTRAINT "customer_new_days_pkey" PRIMARY KEY ("merchant_id","business_date")
);

-- CreateTable
CREATE TABLE "customer_month_totals" (
    "merchant_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "customers" INTEGER NOT NULL,

    CONSTRAINT "customer_month_totals_pkey" PRIMARY KEY ("merchant_id","month")
);


-- The customer rollups of the store-days (locs[i], days[i]) that refresh_report_rollups() is rebuilding.
CREATE FUNCTION refresh_customer_rollups(p_merchant uuid, locs uuid[], days date[]) RETURNS void
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
  ), removed AS (
    SELECT o.id, o.customer_id, o.business_date FROM old o
    WHERE NOT EXISTS (
      SELECT 1 FROM fresh f
      WHERE f.location_id = o.location_id AND f.business_date = o.business_date AND f.receipts = o.receipts
        AND f.net_cents = o.net_cents AND f.customer_id IS NOT DISTINCT FROM o.customer_id)
  ), added AS (
    SELECT f.* FROM fresh f
    WHERE NOT EXISTS (
      SELECT 1 FROM old o
      WHERE o.location_id = f.location_id AND o.business_date = f.business_date AND o.receipts = f.receipts
        AND o.net_cents = f.net_cents AND o.customer_id IS NOT DISTINCT FROM f.customer_id)
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
  -- marks are found per picked day and deleted by id.
  WITH picked AS (
    SELECT DISTINCT s.business_date, s.location_id FROM report_rollup_stale s
    WHERE s.merchant_id = p_merchant
      AND (p_from IS NULL OR s.business_date >= p_from) AND (p_to IS NULL OR s.business_date < p_to)
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

-- The rollups of the receipts as they are now (a day still marked is rebuilt by the next refresh),
-- written before their indexes are built.
INSERT INTO customer_sales_daily (merchant_id, location_id, business_date, customer_id, receipts, net_cents)
SELECT merchant_id, location_id, business_date, customer_id, count(*) FILTER (WHERE kind = 'sale'),
       sum(((subtotal - discount_total) * 100)::bigint)
FROM transactions WHERE status = 'completed' AND deleted_at IS NULL
GROUP BY merchant_id, business_date, location_id, customer_id
ORDER BY merchant_id, business_date, location_id;

INSERT INTO customer_days (merchant_id, business_date, receipts, known_receipts, customers, net_cents, known_net_cents)
SELECT merchant_id, business_date, sum(receipts), coalesce(sum(receipts) FILTER (WHERE customer_id IS NOT NULL), 0),
       count(DISTINCT customer_id) FILTER (WHERE receipts > 0), sum(net_cents),
       coalesce(sum(net_cents) FILTER (WHERE customer_id IS NOT NULL), 0)
FROM customer_sales_daily GROUP BY merchant_id, business_date;

INSERT INTO customer_months (merchant_id, month, customer_id, receipts, net_cents)
SELECT merchant_id, date_trunc('month', business_date::timestamp)::date, customer_id, sum(receipts), sum(net_cents)
FROM customer_sales_daily WHERE customer_id IS NOT NULL
GROUP BY 1, 2, 3 ORDER BY 1, 2, 5 DESC, 3;

INSERT INTO customer_month_totals (merchant_id, month, customers)
SELECT merchant_id, month, count(*) FILTER (WHERE receipts > 0) FROM customer_months GROUP BY merchant_id, month;

INSERT INTO customer_new_days (merchant_id, business_date, customers)
SELECT merchant_id, first_date, count(*) FROM customer_first_purchases GROUP BY merchant_id, first_date;

-- CreateIndex
CREATE INDEX "customer_sales_daily_merchant_id_business_date_location_id_idx" ON "customer_sales_daily"("merchant_id", "business_date", "location_id");

-- CreateIndex
CREATE INDEX "customer_sales_daily_merchant_id_customer_id_business_date_idx" ON "customer_sales_daily"("merchant_id", "customer_id", "business_date");

-- CreateIndex
CREATE INDEX "customer_months_merchant_id_month_net_cents_customer_id_idx" ON "customer_months"("merchant_id", "month", "net_cents" DESC, "customer_id");

