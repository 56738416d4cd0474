-- A month's sales report by product over every store summed the month's rows of every store:
-- sales_monthly_lines holds a row per store, group and kind, so on the bench's big merchant (5 stores
-- selling nearly all of 3,000 products a month) the report summed 14,099 rows into 2,815 products,
-- about half of its PostgreSQL time (8 NUMERIC sums a row; measured by backend CPU, 19 of ~41 ms).
-- sales_monthly_merchant_lines holds the same sums over every store: a row per merchant, month,
-- group and kind (4,232 rows for that month). Sums of sums of the same NUMERIC columns, receipts that
-- add up across stores (a receipt is at one store), the greatest name: the report's figures are the
-- same, to the cent. A report that sees some stores only (a key limited to some, or location_id)
-- still reads the store rows.
--
-- refresh_report_months() sums again, in the same transaction and under the same lock, every month
-- whose store rows it summed again; only a monthly report by category, brand or product pays for it.

-- CreateTable
CREATE TABLE "sales_monthly_merchant_lines" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" UUID NOT NULL,
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

    CONSTRAINT "sales_monthly_merchant_lines_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sales_monthly_merchant_lines_merchant_id_dimension_month_idx" ON "sales_monthly_merchant_lines"("merchant_id", "dimension", "month");

CREATE OR REPLACE FUNCTION refresh_report_months(p_merchant uuid, p_from date, p_to date) RETURNS integer
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

  -- The merchant's row of a month is the exact sum of its stores' rows of that month (the same way).
  -- The months are an index bound (= ANY), in a custom plan and in the generic one alike.
  DELETE FROM sales_monthly_merchant_lines r
  WHERE r.merchant_id = p_merchant AND r.dimension IN ('category', 'brand', 'product') AND r.month = ANY(months);
  INSERT INTO sales_monthly_merchant_lines (merchant_id, month, dimension, group_key, group_name, is_sale,
                                            receipts, units, gross, discount, tax, cost, lines_without_cost)
  SELECT p_merchant, r.month, r.dimension, r.group_key, max(r.group_name), r.is_sale,
         sum(r.receipts), sum(r.units), sum(r.gross), sum(r.discount), sum(r.tax), sum(r.cost), sum(r.lines_without_cost)
  FROM sales_monthly_lines r
  WHERE r.merchant_id = p_merchant AND r.dimension IN ('category', 'brand', 'product') AND r.month = ANY(months)
  GROUP BY r.month, r.dimension, r.group_key, r.is_sale
  ORDER BY r.dimension, r.month, r.group_key, r.is_sale;

  RETURN array_length(locs, 1);
END
$$;

-- The months already summed per store.
INSERT INTO sales_monthly_merchant_lines (merchant_id, month, dimension, group_key, group_name, is_sale,
                                          receipts, units, gross, discount, tax, cost, lines_without_cost)
SELECT r.merchant_id, r.month, r.dimension, r.group_key, max(r.group_name), r.is_sale,
       sum(r.receipts), sum(r.units), sum(r.gross), sum(r.discount), sum(r.tax), sum(r.cost), sum(r.lines_without_cost)
FROM sales_monthly_lines r
GROUP BY r.merchant_id, r.month, r.dimension, r.group_key, r.is_sale
ORDER BY r.merchant_id, r.dimension, r.month, r.group_key, r.is_sale;

ANALYZE sales_monthly_merchant_lines;
