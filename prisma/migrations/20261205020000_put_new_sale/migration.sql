-- A new receipt in one round trip (PUT /v1/transactions/{pos_id}, src/transactions/new-sale.ts).
-- Called as one statement outside BEGIN, the call is its own transaction: the receipt, its lines
-- and its audit entry land together or not at all, as in the general path. It does what the
-- general path does for a new sale, in the same order, and writes nothing (answering 'fallback')
-- for anything else, which the caller then runs through the general path: a receipt that exists
-- ('exists', with what the caller needs to answer 404 or unchanged), an unknown customer or
-- employee (the general path names them in a 422), an insert race lost to another writer.
--
-- SKU links (src/lib/sku-locks.ts): SKUs without a product are locked shared before the lines look
-- their products up. A VOLATILE plpgsql function takes a fresh snapshot for each statement under
-- READ COMMITTED, so the lines' statement sees a product committed while the lock was awaited.
-- The lock keys must stay those of sku-locks.ts (256 buckets per merchant).
CREATE OR REPLACE FUNCTION pos_bridge_put_new_sale(
  p_id uuid, p_merchant uuid, p_pos_id text, p_location uuid, p_customer_pos_user text, p_employee_pos_id text,
  p_channel "Channel", p_transacted_at timestamptz, p_business_date date,
  p_subtotal numeric, p_discount numeric, p_tax numeric, p_total numeric, p_body_hash text,
  p_key uuid, p_detail jsonb, p_lines jsonb
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  found_row record;
  v_customer uuid;
  v_employee uuid;
  v_inserted int;
BEGIN
  SELECT t.id, t.body_hash, t.location_id INTO found_row FROM transactions t WHERE t.merchant_id = p_merchant AND t.pos_id = p_pos_id;
  IF FOUND THEN
    RETURN jsonb_build_object('outcome', 'exists', 'id', found_row.id, 'body_hash', found_row.body_hash, 'location_id', found_row.location_id);
  END IF;
  IF p_customer_pos_user IS NOT NULL THEN
    SELECT c.id INTO v_customer FROM customers c WHERE c.merchant_id = p_merchant AND c.pos_user = p_customer_pos_user;
    IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'fallback'); END IF;
  END IF;
  IF p_employee_pos_id IS NOT NULL THEN
    SELECT e.id INTO v_employee FROM employees e WHERE e.merchant_id = p_merchant AND e.pos_id = p_employee_pos_id;
    IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'fallback'); END IF;
  END IF;

  PERFORM pg_advisory_xact_lock_shared(k) FROM (
    SELECT DISTINCT hashtextextended(p_merchant::text || '/' || (hashtext(x.sku) & 255)::text, 0) AS k
      FROM jsonb_to_recordset(p_lines) AS x(sku text)
     WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.merchant_id = p_merchant AND p.sku = x.sku)
     ORDER BY 1
  ) keys;

  WITH x AS (
    SELECT x.*, p.id AS product, COALESCE(x.unit_cost, i.unit_cost) AS cost
      FROM jsonb_to_recordset(p_lines) AS x(id uuid, line_number int, sku text, pos_product_id text, name text, brand text,
             category text, parent_category text, size text, strain text, grade text, species text, unit_price numeric,
             quantity numeric, discount numeric, tax numeric, line_total numeric, unit_cost numeric)
      LEFT JOIN products p ON p.merchant_id = p_merchant AND p.sku = x.sku
      LEFT JOIN inventory_items i ON i.product_id = p.id AND i.location_id = p_location
  ), t AS (
    INSERT INTO transactions (id, merchant_id, pos_id, location_id, customer_id, employee_id, channel, kind, original_transaction_id,
                              transacted_at, business_date, subtotal, discount_total, tax_total, total, cost_total, body_hash)
    SELECT p_id, p_merchant, p_pos_id, p_location, v_customer, v_employee, p_channel, 'sale', NULL,
           p_transacted_at, p_business_date, p_subtotal, p_discount, p_tax, p_total,
           (SELECT CASE WHEN bool_and(x.cost IS NOT NULL) THEN sum(round(x.quantity * x.cost, 4)) END FROM x),
           p_body_hash
    ON CONFLICT (merchant_id, pos_id) DO NOTHING
    RETURNING id
  ), l AS (
    INSERT INTO line_items (merchant_id, transaction_id, id, line_number, product_id, sku, pos_product_id, name, brand, category,
                            parent_category, size, strain, grade, species, unit_price, quantity, discount, tax, line_total, unit_cost)
    SELECT p_merchant, t.id, x.id, x.line_number, x.product, x.sku, x.pos_product_id, x.name, x.brand, x.category,
           x.parent_category, x.size, x.strain, x.grade, x.species, x.unit_price, x.quantity, x.discount, x.tax, x.line_total, x.cost
      FROM t, x
  ), a AS (
    INSERT INTO audit_entries (merchant_id, api_key_id, action, entity, entity_id, detail)
    SELECT p_merchant, p_key, 'create', 'transaction', t.id::text, p_detail FROM t
  )
  SELECT count(*) INTO v_inserted FROM t;
  IF v_inserted = 0 THEN RETURN jsonb_build_object('outcome', 'fallback'); END IF;
  RETURN jsonb_build_object('outcome', 'created', 'id', p_id);
END
$$;
