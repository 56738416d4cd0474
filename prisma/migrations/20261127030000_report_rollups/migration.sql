-- CreateTable
CREATE TABLE "sales_daily" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
    "employee_id" UUID,
    "is_sale" BOOLEAN NOT NULL,
    "receipts" INTEGER NOT NULL,
    "units" DECIMAL(18,3) NOT NULL,
    "gross" DECIMAL(18,2) NOT NULL,
    "discount" DECIMAL(18,2) NOT NULL,
    "tax" DECIMAL(18,2) NOT NULL,
    "cost" DECIMAL(20,4) NOT NULL,
    "lines_without_cost" INTEGER NOT NULL,

    CONSTRAINT "sales_daily_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sales_daily_lines" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
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

    CONSTRAINT "sales_daily_lines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_first_sales" (
    "merchant_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "first_date" DATE NOT NULL,

    CONSTRAINT "customer_first_sales_pkey" PRIMARY KEY ("merchant_id","customer_id","location_id")
);

-- CreateTable
CREATE TABLE "report_rollup_stale" (
    "id" BIGSERIAL NOT NULL,
    "merchant_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,

    CONSTRAINT "report_rollup_stale_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sales_daily_merchant_id_business_date_location_id_idx" ON "sales_daily"("merchant_id", "business_date", "location_id");

-- CreateIndex
CREATE INDEX "sales_daily_lines_merchant_id_dimension_business_date_locat_idx" ON "sales_daily_lines"("merchant_id", "dimension", "business_date", "location_id");

-- CreateIndex
CREATE INDEX "customer_first_sales_merchant_id_first_date_location_id_idx" ON "customer_first_sales"("merchant_id", "first_date", "location_id");

-- CreateIndex
CREATE INDEX "report_rollup_stale_merchant_id_business_date_location_id_idx" ON "report_rollup_stale"("merchant_id", "business_date", "location_id");

-- CreateIndex
CREATE INDEX "transactions_first_sale_idx" ON "transactions"("merchant_id", "customer_id", "business_date", "location_id") WHERE (kind = 'sale' AND status = 'completed' AND deleted_at IS NULL AND customer_id IS NOT NULL);


-- The reports read rollups instead of every receipt and line of their range. The sales report
-- reads sales_daily and sales_daily_lines (a month of a million-receipt store is ~85,000 receipts
-- and ~260,000 lines; its rollups hold a few thousand rows, tens of thousands by product). The
-- customers report reads customer_first_sales instead of looking up each buyer's first purchase.
--
-- How they stay exact: every statement that writes receipts or lines marks the (merchant,
-- location, business day) it touched in report_rollup_stale, in the writer's own transaction. A
-- report first calls refresh_report_rollups() for the days it depends on, which rebuilds the
-- marked days from the receipts themselves and deletes the marks, then reads the rollups. A write that commits
-- while a refresh runs leaves its mark, so the next report rebuilds that day again.
--
-- Why marks and not incremental sums: voids, refunds, edits and deletes would each need their own
-- exact inverse, and a write path that updated shared sum rows would make concurrent registers of
-- a store wait on each other. A mark is an insert nobody waits on; rebuilding one store's day is
-- a few hundred receipts.

-- Marks store-days stale. NOT EXISTS keeps the marks few without a unique index, which would make
-- two writers of the same day wait on each other; a duplicate from a race is harmless.
CREATE FUNCTION pos_bridge_mark_report_stale(merchant_ids uuid[], location_ids uuid[], days date[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO report_rollup_stale (merchant_id, location_id, business_date)
  SELECT DISTINCT k.merchant_id, k.location_id, k.business_date
  FROM unnest(merchant_ids, location_ids, days) AS k(merchant_id, location_id, business_date)
  WHERE NOT EXISTS (SELECT 1 FROM report_rollup_stale s
                    WHERE s.merchant_id = k.merchant_id AND s.business_date = k.business_date AND s.location_id = k.location_id)
$$;

-- Statement-level triggers (transition tables): one mark per store-day a statement touched,
-- however many rows it wrote.
CREATE FUNCTION pos_bridge_mark_report_stale_transactions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pos_bridge_mark_report_stale(array_agg(merchant_id), array_agg(location_id), array_agg(business_date))
    FROM (SELECT DISTINCT merchant_id, location_id, business_date FROM new_rows) k;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Only changes the rollups depend on (re-hashing a body marks nothing). The customer counts:
    -- a receipt given to another customer changes both customers' first purchases.
    PERFORM pos_bridge_mark_report_stale(array_agg(merchant_id), array_agg(location_id), array_agg(business_date))
    FROM (
      SELECT DISTINCT k.merchant_id, k.location_id, k.business_date
      FROM old_rows o
      JOIN new_rows n ON n.id = o.id
      CROSS JOIN LATERAL (VALUES (o.merchant_id, o.location_id, o.business_date), (n.merchant_id, n.location_id, n.business_date))
        AS k(merchant_id, location_id, business_date)
      WHERE (o.location_id, o.business_date, o.employee_id, o.customer_id, o.kind, o.status, o.deleted_at)
            IS DISTINCT FROM (n.location_id, n.business_date, n.employee_id, n.customer_id, n.kind, n.status, n.deleted_at)
    ) k;
  ELSE
    PERFORM pos_bridge_mark_report_stale(array_agg(merchant_id), array_agg(location_id), array_agg(business_date))
    FROM (SELECT DISTINCT merchant_id, location_id, business_date FROM old_rows) k;
  END IF;
  RETURN NULL;
END
$$;

-- Lines mark their receipt's day (found by a semi-join, not a lookup per line: a seeder's COPY
-- writes millions). Lines deleted with their receipt find no receipt here: the receipt's own
-- DELETE marks the day.
CREATE FUNCTION pos_bridge_mark_report_stale_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pos_bridge_mark_report_stale(array_agg(merchant_id), array_agg(location_id), array_agg(business_date))
    FROM (SELECT DISTINCT t.merchant_id, t.location_id, t.business_date FROM transactions t
          WHERE t.id IN (SELECT n.transaction_id FROM new_rows n)) k;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Linking a line to a product created later changes no figure: it marks nothing. A line moved
    -- to another receipt marks both.
    PERFORM pos_bridge_mark_report_stale(array_agg(merchant_id), array_agg(location_id), array_agg(business_date))
    FROM (SELECT DISTINCT t.merchant_id, t.location_id, t.business_date FROM transactions t
          WHERE t.id IN (
            SELECT x.transaction_id
            FROM old_rows o
            JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES (o.transaction_id), (n.transaction_id)) AS x(transaction_id)
            WHERE (o.transaction_id, o.sku, o.name, o.brand, o.category, o.unit_price, o.quantity, o.discount, o.tax, o.unit_cost)
                  IS DISTINCT FROM (n.transaction_id, n.sku, n.name, n.brand, n.category, n.unit_price, n.quantity, n.discount, n.tax, n.unit_cost))) k;
  ELSE
    PERFORM pos_bridge_mark_report_stale(array_agg(merchant_id), array_agg(location_id), array_agg(business_date))
    FROM (SELECT DISTINCT t.merchant_id, t.location_id, t.business_date FROM transactions t
          WHERE t.id IN (SELECT o.transaction_id FROM old_rows o)) k;
  END IF;
  RETURN NULL;
END
$$;

-- A trigger with transition tables handles one event, hence three of each.
CREATE TRIGGER transactions_report_stale_insert AFTER INSERT ON "transactions" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_mark_report_stale_transactions();
CREATE TRIGGER transactions_report_stale_update AFTER UPDATE ON "transactions" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_mark_report_stale_transactions();
CREATE TRIGGER transactions_report_stale_delete AFTER DELETE ON "transactions" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_mark_report_stale_transactions();
CREATE TRIGGER line_items_report_stale_insert AFTER INSERT ON "line_items" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_mark_report_stale_lines();
CREATE TRIGGER line_items_report_stale_update AFTER UPDATE ON "line_items" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_mark_report_stale_lines();
CREATE TRIGGER line_items_report_stale_delete AFTER DELETE ON "line_items" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_mark_report_stale_lines();

-- Rebuilds the rollups of up to max_days marked (location, day) pairs of a merchant in
-- [from_date, to_date) (null: unbounded) and returns how many it rebuilt; the caller repeats while
-- that is max_days, so each call is a short transaction whatever the backlog. Refreshes of a
-- merchant take turns (an advisory lock), so two never rebuild the same day at once; each
-- statement below then sees every write committed before it.
--
-- The figures are those of the sales report: voided and deleted receipts left out, each line's
-- gross rounded to the cent and its cost to 4 decimals, as on the receipt.
CREATE FUNCTION refresh_report_rollups(p_merchant uuid, p_from date, p_to date, p_max_days integer) RETURNS integer
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

-- The receipts already stored: every day they cover is marked and built now, a hundred store-days
-- per call (about 30 ms each), so no report meets a backlog after an upgrade.
INSERT INTO report_rollup_stale (merchant_id, location_id, business_date)
SELECT DISTINCT merchant_id, location_id, business_date FROM transactions;

DO $$
DECLARE
  m uuid;
BEGIN
  FOR m IN SELECT DISTINCT merchant_id FROM report_rollup_stale LOOP
    WHILE refresh_report_rollups(m, NULL, NULL, 100) = 100 LOOP
    END LOOP;
  END LOOP;
END
$$;
