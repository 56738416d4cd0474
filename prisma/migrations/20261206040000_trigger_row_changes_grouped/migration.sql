-- The statement-level triggers that compare a row's old and new versions (report marks of transactions and of lines,
-- the receipts' kept lines) found them by joining old_rows to new_rows on id. PL/pgSQL plans such a query once per
-- session and keeps the plan (it has no parameters), costed with the transition tables' sizes of its first run: a
-- session's first UPDATE touched a row or two, so the join was a nested loop, and a later statement of n rows on that
-- session compared every old row with every new one. Measured: an INSERT of 3,000 receipts (their lines' kept text
-- is an UPDATE of the 3,000 receipts) on a connection that had written a few single receipts spent 3.2 s in the
-- transactions' report trigger; 13,500 receipts, 84 s.
-- Now each row's two versions are grouped by id (UNION ALL, GROUP BY): no join, whatever plan is kept, the cost
-- follows the rows. A row changed where its two versions' compared columns are not the same (count(DISTINCT) of them
-- as one row value: NULLs compare equal, as IS DISTINCT FROM has it), and what each version names is kept in arrays.

CREATE OR REPLACE FUNCTION pos_bridge_mark_report_stale_transactions() RETURNS trigger LANGUAGE plpgsql AS $$
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
      FROM (
        SELECT array_agg(v.merchant_id) AS merchants, array_agg(v.location_id) AS locations,
               array_agg(v.business_date) AS days
        FROM (
          SELECT o.id, o.merchant_id, o.location_id, o.business_date,
                 ROW(o.location_id, o.business_date, o.employee_id, o.customer_id, o.kind, o.status, o.deleted_at) AS figures
          FROM old_rows o
          UNION ALL
          SELECT n.id, n.merchant_id, n.location_id, n.business_date,
                 ROW(n.location_id, n.business_date, n.employee_id, n.customer_id, n.kind, n.status, n.deleted_at)
          FROM new_rows n
        ) v
        GROUP BY v.id
        HAVING count(DISTINCT v.figures) > 1
      ) changed
      CROSS JOIN LATERAL unnest(changed.merchants, changed.locations, changed.days) AS k(merchant_id, location_id, business_date)
    ) k;
  ELSE
    PERFORM pos_bridge_mark_report_stale(array_agg(merchant_id), array_agg(location_id), array_agg(business_date))
    FROM (SELECT DISTINCT merchant_id, location_id, business_date FROM old_rows) k;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION pos_bridge_mark_report_stale_lines() RETURNS trigger LANGUAGE plpgsql AS $$
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
            FROM (
              SELECT array_agg(v.transaction_id) AS receipts
              FROM (
                SELECT o.id, o.transaction_id, ROW(o.transaction_id, o.sku, o.name, o.brand, o.category, o.unit_price,
                  o.quantity, o.discount, o.tax, o.unit_cost) AS figures
                FROM old_rows o
                UNION ALL
                SELECT n.id, n.transaction_id, ROW(n.transaction_id, n.sku, n.name, n.brand, n.category, n.unit_price,
                  n.quantity, n.discount, n.tax, n.unit_cost)
                FROM new_rows n
              ) v
              GROUP BY v.id
              HAVING count(DISTINCT v.figures) > 1
            ) changed
            CROSS JOIN LATERAL unnest(changed.receipts) AS x(transaction_id))) k;
  ELSE
    PERFORM pos_bridge_mark_report_stale(array_agg(merchant_id), array_agg(location_id), array_agg(business_date))
    FROM (SELECT DISTINCT t.merchant_id, t.location_id, t.business_date FROM transactions t
          WHERE t.id IN (SELECT o.transaction_id FROM old_rows o)) k;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION pos_bridge_keep_json_lines_of_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pos_bridge_keep_json_lines(array_agg(n.transaction_id)) FROM new_rows n;
  ELSIF TG_OP = 'UPDATE' THEN
    -- What the text holds: a line moved to another receipt changes both; a product deleted (product_id set null)
    -- changes the line's marker.
    PERFORM pos_bridge_keep_json_lines(array_agg(x.transaction_id))
    FROM (
      SELECT array_agg(v.transaction_id) AS receipts
      FROM (
        SELECT o.id, o.transaction_id,
               ROW(o.transaction_id, o.line_number, o.product_id, o.sku, o.json_head, o.json_body) AS figures
        FROM old_rows o
        UNION ALL
        SELECT n.id, n.transaction_id, ROW(n.transaction_id, n.line_number, n.product_id, n.sku, n.json_head, n.json_body)
        FROM new_rows n
      ) v
      GROUP BY v.id
      HAVING count(DISTINCT v.figures) > 1
    ) changed
    CROSS JOIN LATERAL unnest(changed.receipts) AS x(transaction_id);
  ELSE
    PERFORM pos_bridge_keep_json_lines(array_agg(o.transaction_id)) FROM old_rows o;
  END IF;
  RETURN NULL;
END
$$;
