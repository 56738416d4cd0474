-- A receipt's lines as the NDJSON export writes them (our own shape, on one line), kept as one text on the receipt's
-- row: the export then reads one column instead of a sub-select of the lines, each with a probe of its product by SKU
-- and of its stock (big bench shape, COPY of 100,000 records: PostgreSQL's CPU 2.2 → 0.9 s). What changes on its own
-- is left out, behind markers that the export (src/export/kept-lines.ts) replaces from maps it loads once. A line
-- linked to a product holds its "product_id" as it is, and where "stock_on_hand" goes, E'\x01' 'u' and the product id
-- (36 characters): that product's stock at the receipt's store. A line never linked holds, where "product_id" goes,
-- E'\x01' 's', the SKU's length in bytes, ':' and the SKU (the merchant's product of that SKU, if any), and where
-- "stock_on_hand" goes, E'\x01' 'k' (that product's stock). JSON text never holds a raw control character
-- (PostgreSQL's JSON escapes them), and the SKU is read by its length, never scanned for, so a marker cannot be
-- mistaken for JSON. The lines are the fragments the line's trigger keeps (migration
-- 20261205060000_record_json_fragments), in line order, separated as json_agg separates array elements with its line
-- break left out (", " and a space): byte for byte what the pages' SQL renders.
-- NULL: a receipt without lines ('[]').
ALTER TABLE "transactions" ADD COLUMN "json_lines" TEXT;

-- One line's text, markers in place.
CREATE FUNCTION pos_bridge_json_line(head text, body text, product_id uuid, sku text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN product_id IS NOT NULL
    THEN head || '"' || product_id::text || '"' || body || E'\x01u' || product_id::text || '}'
    ELSE head || E'\x01s' || octet_length(sku) || ':' || sku || body || E'\x01k}' END
$$;

-- Kept in the same transaction as the lines are written, by statement-level triggers (one UPDATE of the receipts a
-- statement touched, however many lines it wrote: the seeder's COPY writes millions), as the report's marks are.
-- Only receipts whose text changed are written again.
CREATE FUNCTION pos_bridge_keep_json_lines(receipt_ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE transactions t SET json_lines = k.lines
  FROM (
    SELECT r.id, (
      SELECT '[' || string_agg(pos_bridge_json_line(li.json_head, li.json_body, li.product_id, li.sku), ',  '
        ORDER BY li.line_number) || ']'
      FROM line_items li WHERE li.transaction_id = r.id
    ) AS lines
    FROM (SELECT DISTINCT unnest(receipt_ids) AS id) r
  ) k
  WHERE t.id = k.id AND t.json_lines IS DISTINCT FROM k.lines
$$;

CREATE FUNCTION pos_bridge_keep_json_lines_of_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM pos_bridge_keep_json_lines(array_agg(n.transaction_id)) FROM new_rows n;
  ELSIF TG_OP = 'UPDATE' THEN
    -- What the text holds: a line moved to another receipt changes both; a product deleted (product_id set null)
    -- changes the line's marker.
    PERFORM pos_bridge_keep_json_lines(array_agg(x.transaction_id))
    FROM old_rows o
    JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (o.transaction_id), (n.transaction_id)) AS x(transaction_id)
    WHERE (o.transaction_id, o.line_number, o.product_id, o.sku, o.json_head, o.json_body)
          IS DISTINCT FROM (n.transaction_id, n.line_number, n.product_id, n.sku, n.json_head, n.json_body);
  ELSE
    PERFORM pos_bridge_keep_json_lines(array_agg(o.transaction_id)) FROM old_rows o;
  END IF;
  RETURN NULL;
END
$$;

-- Writing json_lines alone (pos_bridge_keep_json_lines, its only writer) changes nothing else of the receipt: its change
-- time stays (the change feed would otherwise serve a receipt again when a product it names is deleted) and so do its
-- record's fragments, so the row triggers that keep them do not run for it (each cost a to_jsonb of the whole row).
-- Triggers of one timing fire in name order: these keep the order of the ones they replace, and the UPDATE trigger keeps
-- its name (a test turns transactions_updated_at off to set change times by hand).
DROP TRIGGER transactions_updated_at ON "transactions";
CREATE TRIGGER transactions_updated_at BEFORE UPDATE ON "transactions"
  FOR EACH ROW WHEN (OLD.json_lines IS NOT DISTINCT FROM NEW.json_lines) EXECUTE FUNCTION pos_bridge_set_updated_at();
CREATE TRIGGER transactions_updated_at_insert BEFORE INSERT ON "transactions"
  FOR EACH ROW EXECUTE FUNCTION pos_bridge_set_updated_at();
DROP TRIGGER transactions_write_json ON "transactions";
CREATE TRIGGER transactions_write_json BEFORE UPDATE ON "transactions"
  FOR EACH ROW WHEN (OLD.json_lines IS NOT DISTINCT FROM NEW.json_lines) EXECUTE FUNCTION pos_bridge_transaction_json();
CREATE TRIGGER transactions_write_json_insert BEFORE INSERT ON "transactions"
  FOR EACH ROW EXECUTE FUNCTION pos_bridge_transaction_json();

CREATE TRIGGER line_items_json_lines_insert AFTER INSERT ON "line_items" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_keep_json_lines_of_lines();
CREATE TRIGGER line_items_json_lines_update AFTER UPDATE ON "line_items" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_keep_json_lines_of_lines();
CREATE TRIGGER line_items_json_lines_delete AFTER DELETE ON "line_items" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION pos_bridge_keep_json_lines_of_lines();

-- The receipts already there, in one pass over the lines; no trigger of theirs fires (nothing of the feed or the
-- reports changed).
ALTER TABLE "transactions" DISABLE TRIGGER USER;
UPDATE "transactions" t SET json_lines = k.lines
FROM (
  SELECT li.transaction_id, '[' || string_agg(pos_bridge_json_line(li.json_head, li.json_body, li.product_id, li.sku),
    ',  ' ORDER BY li.line_number) || ']' AS lines
  FROM line_items li GROUP BY li.transaction_id
) k
WHERE t.id = k.transaction_id;
ALTER TABLE "transactions" ENABLE TRIGGER USER;
