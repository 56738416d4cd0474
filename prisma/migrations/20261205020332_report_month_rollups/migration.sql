-- A month's sales report by category, brand or product read a row per store, day and group from
-- sales_daily_lines: for a busy merchant, a row for nearly every product on every day (over
-- 100,000 rows for a month of a million-receipt merchant), so the month cost more the more the
-- merchant sold. sales_monthly_lines holds the same sums per store, calendar month and group (at
-- most stores x groups rows a month, whatever the volume); the report reads it for the whole
-- months of a monthly report and the daily rows only for a range's cut months.
--
-- It stays exact the way the daily rollups do. refresh_report_rollups() (below: the function of
-- 20261127030000_report_rollups plus one step) marks, in sales_monthly_stale, the store-month of
-- every store-day it rebuilds, in the same transaction; refresh_report_months() sums those months
-- again from sales_daily_lines before a monthly report reads them (only that report pays for it).
-- The day marks and their rule (a writer relies only on its own transaction's mark,
-- 20261205012005_report_marks_own_transaction) are unchanged.

-- CreateTable
CREATE TABLE "sales_monthly_lines" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "dimension" TEXT NOT NULL,
    "group_key" TEXT,
    "group_name" TEXT,
    "is_sale" BOOLEAN NOT NULL,
    "receipts" INTEGER NOT NULL,
    "units" DECIMAL(18,3) NOT NULL,
    "gross" DECIMAL(18,2) NOT NULL,
    "discount" DECIMAL(18,2) NOT NULL,
    "tax" DECIMAL(18,2) NOT NULL,
    "cost" DECIMAL(20,4) NOT NULL,
    "lines_without_cost" INTEGER NOT NULL,

    CONSTRAINT "sales_monthly_lines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sales_monthly_stale" (
    "merchant_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "month" DATE NOT NULL,

    CONSTRAINT "sales_monthly_stale_pkey" PRIMARY KEY ("merchant_id","month","location_id")
);

-- CreateIndex
CREATE INDEX "sales_monthly_lines_merchant_id_dimension_month_location_id_idx" ON "sales_monthly_lines"("merchant_id", "dimension", "month", "location_id");


CREATE OR REPLACE FUNCTION refresh_report_rollups(p_merchant uuid, p_from date, p_to date, p_max_days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  locs uuid[];
  days date[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('pos_bridge.report_rollups'), hashtext(p_merchant::text));

  -- A data-modifying WITH always runs to completion: the marks of the picked days are gone.
  WITH picked AS (
    SELECT DISTINCT s.business_date, s.location_id FROM report_rollup_stale s
    WHERE s.merchant_id = p_merchant
      AND (p_from IS NULL OR s.business_date >= p_from) AND (p_to IS NULL OR s.business_date < p_to)
    ORDER BY s.business_date, s.location_id
    LIMIT p_max_days
  ), gone AS (
    DELETE FROM report_rollup_stale s USING picked p
    WHERE s.merchant_id = p_merchant AND s.business_date = p.business_date AND s.location_id = p.location_id
  )
  SELECT array_agg(p.location_id), array_agg(p.business_date) INTO locs, days FROM picked p;

  IF locs IS NULL THEN
    RETURN 0;
  END IF;

  DELETE FROM sales_daily r USING unnest(locs, days) AS k(location_id, business_date)
  WHERE r.merchant_id = p_merchant AND r.business_date = k.business_date AND r.location_id = k.location_id;
  DELETE FROM sales_daily_lines r USING unnest(locs, days) AS k(location_id, business_date)
  WHERE r.merchant_id = p_merchant AND r.dimension IN ('category', 'brand', 'product')
    AND r.business_date = k.business_date AND r.location_id = k.location_id;

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
    JOIN transactions t ON t.merchant_id = p_merchant AND t.business_date = k.business_date AND t.location_id = k.location_id
    LEFT JOIN line_items li ON li.transaction_id = t.id
    WHERE t.status = 'completed' AND t.deleted_at IS NULL
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
  -- reads them (refresh_report_months below), not here, so other reports after a write do not pay
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
    JOIN transactions t ON t.merchant_id = p_merchant AND t.business_date = k.business_date AND t.location_id = k.location_id
    WHERE t.customer_id IS NOT NULL AND t.kind = 'sale' AND t.status = 'completed' AND t.deleted_at IS NULL
    UNION
    SELECT f.customer_id, f.location_id
    FROM unnest(locs, days) AS k(location_id, business_date)
    JOIN customer_first_sales f ON f.merchant_id = p_merchant AND f.location_id = k.location_id AND f.first_date = k.business_date
  ), firsts AS (
    SELECT x.customer_id, x.location_id,
           (SELECT min(t.business_date) FROM transactions t
            WHERE t.merchant_id = p_merchant AND t.customer_id = x.customer_id AND t.location_id = x.location_id
              AND t.kind = 'sale' AND t.status = 'completed' AND t.deleted_at IS NULL) AS first_date
    FROM touched x
  ), gone AS (
    DELETE FROM customer_first_sales f USING firsts x
    WHERE x.first_date IS NULL AND f.merchant_id = p_merchant AND f.customer_id = x.customer_id AND f.location_id = x.location_id
  )
  INSERT INTO customer_first_sales (merchant_id, customer_id, location_id, first_date)
  SELECT p_merchant, customer_id, location_id, first_date FROM firsts WHERE first_date IS NOT NULL
  ON CONFLICT (merchant_id, customer_id, location_id) DO UPDATE SET first_date = EXCLUDED.first_date
  WHERE customer_first_sales.first_date IS DISTINCT FROM EXCLUDED.first_date;

  RETURN array_length(locs, 1);
END
$$;

-- Sums again, from sales_daily_lines, the marked store-months of a merchant whose month starts in
-- [p_from, p_to) (null: unbounded) and returns how many. Called after refresh_report_rollups()
-- has rebuilt the range's marked days, so the day rows it sums are those of the receipts now.
-- It takes the refresh's lock: day rows and month marks change only under it, so the marks it
-- deletes are exactly the months whose day rows changed, and it sums them as they are.
CREATE FUNCTION refresh_report_months(p_merchant uuid, p_from date, p_to date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  locs uuid[];
  months date[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('pos_bridge.report_rollups'), hashtext(p_merchant::text));

  WITH gone AS (
    DELETE FROM sales_monthly_stale s
    WHERE s.merchant_id = p_merchant AND (p_from IS NULL OR s.month >= p_from) AND (p_to IS NULL OR s.month < p_to)
    RETURNING s.location_id, s.month
  )
  SELECT array_agg(g.location_id), array_agg(g.month) INTO locs, months FROM gone g;

  IF locs IS NULL THEN
    RETURN 0;
  END IF;

  -- A month row is the exact sum of its day rows: same NUMERIC columns, receipts that add up
  -- across days (a receipt is on one day), the greatest name.
  DELETE FROM sales_monthly_lines r USING unnest(locs, months) AS k(location_id, month)
  WHERE r.merchant_id = p_merchant AND r.dimension IN ('category', 'brand', 'product')
    AND r.month = k.month AND r.location_id = k.location_id;
  INSERT INTO sales_monthly_lines (merchant_id, location_id, month, dimension, group_key, group_name, is_sale,
                                   receipts, units, gross, discount, tax, cost, lines_without_cost)
  SELECT p_merchant, r.location_id, k.month, r.dimension, r.group_key, max(r.group_name), r.is_sale,
         sum(r.receipts), sum(r.units), sum(r.gross), sum(r.discount), sum(r.tax), sum(r.cost), sum(r.lines_without_cost)
  FROM unnest(locs, months) AS k(location_id, month)
  JOIN sales_daily_lines r ON r.merchant_id = p_merchant AND r.dimension IN ('category', 'brand', 'product')
    AND r.business_date >= k.month AND r.business_date < (k.month + interval '1 month')::date AND r.location_id = k.location_id
  GROUP BY r.location_id, k.month, r.dimension, r.group_key, r.is_sale
  -- A store-month's rows written together, in the index's order: a report reads a few pages.
  ORDER BY r.dimension, r.location_id, r.group_key, r.is_sale;

  RETURN array_length(locs, 1);
END
$$;

-- The months of the rollups already built, in the index's order (a month's rows on few pages).
INSERT INTO sales_monthly_lines (merchant_id, location_id, month, dimension, group_key, group_name, is_sale,
                                 receipts, units, gross, discount, tax, cost, lines_without_cost)
SELECT merchant_id, location_id, date_trunc('month', business_date)::date, dimension, group_key, max(group_name), is_sale,
       sum(receipts), sum(units), sum(gross), sum(discount), sum(tax), sum(cost), sum(lines_without_cost)
FROM sales_daily_lines
GROUP BY merchant_id, location_id, date_trunc('month', business_date)::date, dimension, group_key, is_sale
ORDER BY merchant_id, dimension, 3, location_id, group_key, is_sale;
