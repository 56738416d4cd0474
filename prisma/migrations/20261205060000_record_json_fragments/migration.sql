-- The transaction record's JSON (our own shape, src/transactions/record-sql.ts) kept as text fragments
-- beside the rows it is made of, written when those rows are written (in the same statement, by
-- BEFORE triggers, so no write path can forget them: PUT, batch, bulk, void, delete, the seeder's
-- COPY, Prisma). A read then only joins the fragments with what changes on its own: the store,
-- customer and employee as they are now, the linked product and the stock on hand now. Rendering
-- a record from the row's columns with PostgreSQL's JSON functions cost ~70 µs a receipt (big bench
-- shape), about five times what reading its rows costs; joining fragments costs a fraction of that.
--
-- Each fragment is exactly the bytes that row_to_json / json_build_object wrote for the same fields,
-- in the record's key order; test/transactions/record-fragments.test.ts renders every record both
-- ways and compares them byte for byte.

-- JSON values of single fields, as row_to_json writes them. STABLE, like to_json and to_char inside
-- them, so that PostgreSQL inlines them into the triggers' expressions (declared IMMUTABLE, they were
-- called as functions of their own: the line trigger cost 24 µs a row instead of 10).
CREATE OR REPLACE FUNCTION pos_bridge_json_text(value text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT coalesce(to_json(value)::text, 'null') $$;

-- A decimal sent as a string (exact: never a JSON number our side could round).
CREATE OR REPLACE FUNCTION pos_bridge_json_decimal(value numeric) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT coalesce('"' || value::text || '"', 'null') $$;

-- An instant as RFC 3339 UTC with microseconds (src/lib/sync-feed.ts utcText).
CREATE OR REPLACE FUNCTION pos_bridge_json_instant(value timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce('"' || to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')
$$;

ALTER TABLE "transactions" ADD COLUMN "json_head" TEXT, ADD COLUMN "json_mid" TEXT,
  ADD COLUMN "json_totals" TEXT, ADD COLUMN "json_tail" TEXT;
ALTER TABLE "line_items" ADD COLUMN "json_head" TEXT, ADD COLUMN "json_body" TEXT;
ALTER TABLE "customers" ADD COLUMN "json_on_receipt" TEXT;

-- A receipt: {"id":…,"pos_id":…,"location": [store] ,"business_date":…,"original_transaction": [refunded sale]
-- ,"customer": [customer] ,"employee": [employee] ,"totals":{…},"line_items": [lines] ,"deleted_at":…,"updated_at":…}
-- Margin rules as in record-sql.ts: margin = subtotal − discount − cost; its percent of (subtotal − discount),
-- 2 decimals, null when that is 0 or the cost is unknown.
CREATE OR REPLACE FUNCTION pos_bridge_transaction_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.json_head := '{"id":"' || NEW.id || '","pos_id":' || pos_bridge_json_text(NEW.pos_id) || ',"location":';
  NEW.json_mid := ',"business_date":"' || to_char(NEW.business_date, 'YYYY-MM-DD')
    || '","transacted_at":' || pos_bridge_json_instant(NEW.transacted_at)
    || ',"channel":' || pos_bridge_json_text(NEW.channel::text)
    || ',"kind":' || pos_bridge_json_text(NEW.kind::text)
    || ',"status":' || pos_bridge_json_text(NEW.status::text)
    || ',"voided_at":' || pos_bridge_json_instant(NEW.voided_at)
    || ',"original_transaction":';
  NEW.json_totals := ',"totals":' || json_build_object(
    'subtotal', NEW.subtotal::text,
    'discount', NEW.discount_total::text,
    'tax', NEW.tax_total::text,
    'total', NEW.total::text,
    'cost', NEW.cost_total::text,
    'margin', (NEW.subtotal - NEW.discount_total - NEW.cost_total)::text,
    'margin_percent', (CASE WHEN NEW.subtotal - NEW.discount_total = 0 THEN NULL
      ELSE round((NEW.subtotal - NEW.discount_total - NEW.cost_total) / (NEW.subtotal - NEW.discount_total) * 100, 2)
      END)::text)::text || ',"line_items":';
  NEW.json_tail := ',"deleted_at":' || pos_bridge_json_instant(NEW.deleted_at)
    || ',"created_at":' || pos_bridge_json_instant(NEW.created_at)
    || ',"updated_at":' || pos_bridge_json_instant(NEW.updated_at) || '}';
  RETURN NEW;
END $$;

-- A line: {"line_number":…,"sku":…,"product_id": [linked product] ,"pos_product_id":…,"margin_percent":…,
-- "stock_on_hand": [stock now] }. net = round(unit_price × quantity, 2) − discount (tax excluded);
-- line_cost = unit_cost × quantity; margin = net − line_cost; its percent of net, null when net is 0.
CREATE OR REPLACE FUNCTION pos_bridge_line_item_json() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  net numeric := round(NEW.unit_price * NEW.quantity, 2) - NEW.discount;
  line_cost numeric := round(NEW.unit_cost * NEW.quantity, 4);
BEGIN
  NEW.json_head := '{"line_number":' || NEW.line_number || ',"sku":' || pos_bridge_json_text(NEW.sku) || ',"product_id":';
  NEW.json_body := ',"pos_product_id":' || pos_bridge_json_text(NEW.pos_product_id)
    || ',"name":' || pos_bridge_json_text(NEW.name)
    || ',"brand":' || pos_bridge_json_text(NEW.brand)
    || ',"category":' || pos_bridge_json_text(NEW.category)
    || ',"parent_category":' || pos_bridge_json_text(NEW.parent_category)
    || ',"size":' || pos_bridge_json_text(NEW.size)
    || ',"strain":' || pos_bridge_json_text(NEW.strain)
    || ',"grade":' || pos_bridge_json_text(NEW.grade)
    || ',"species":' || pos_bridge_json_text(NEW.species)
    || ',"unit_price":' || pos_bridge_json_decimal(NEW.unit_price)
    || ',"quantity":' || pos_bridge_json_decimal(NEW.quantity)
    || ',"discount":' || pos_bridge_json_decimal(NEW.discount)
    || ',"tax":' || pos_bridge_json_decimal(NEW.tax)
    || ',"line_total":' || pos_bridge_json_decimal(NEW.line_total)
    || ',"unit_cost":' || pos_bridge_json_decimal(NEW.unit_cost)
    || ',"line_cost":' || pos_bridge_json_decimal(line_cost)
    || ',"margin":' || pos_bridge_json_decimal(net - line_cost)
    || ',"margin_percent":' || pos_bridge_json_decimal(
      CASE WHEN net = 0 THEN NULL ELSE round((net - line_cost) / net * 100, 2) END)
    || ',"stock_on_hand":';
  RETURN NEW;
END $$;

-- The customer as a receipt shows it.
CREATE OR REPLACE FUNCTION pos_bridge_customer_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.json_on_receipt := json_build_object('id', NEW.id, 'pos_user', NEW.pos_user, 'first_name', NEW.first_name,
    'last_name', NEW.last_name, 'phone', NEW.phone, 'email', NEW.email)::text;
  RETURN NEW;
END $$;

-- Triggers of one timing fire in name order: these names sort after "<table>_updated_at", so the
-- fragments see the updated_at that trigger has just set.
CREATE TRIGGER transactions_write_json BEFORE INSERT OR UPDATE ON "transactions"
  FOR EACH ROW EXECUTE FUNCTION pos_bridge_transaction_json();
CREATE TRIGGER line_items_write_json BEFORE INSERT OR UPDATE ON "line_items"
  FOR EACH ROW EXECUTE FUNCTION pos_bridge_line_item_json();
CREATE TRIGGER customers_write_json BEFORE INSERT OR UPDATE ON "customers"
  FOR EACH ROW EXECUTE FUNCTION pos_bridge_customer_json();

-- The rows already there: only the fragment triggers fire, so that filling them changes neither updated_at
-- (the change feed would serve every receipt again) nor the reports' rollups (nothing they count changed).
ALTER TABLE "transactions" DISABLE TRIGGER USER;
ALTER TABLE "transactions" ENABLE TRIGGER transactions_write_json;
UPDATE "transactions" SET json_head = NULL;
ALTER TABLE "transactions" ENABLE TRIGGER USER;
ALTER TABLE "line_items" DISABLE TRIGGER USER;
ALTER TABLE "line_items" ENABLE TRIGGER line_items_write_json;
UPDATE "line_items" SET json_head = NULL;
ALTER TABLE "line_items" ENABLE TRIGGER USER;
ALTER TABLE "customers" DISABLE TRIGGER USER;
ALTER TABLE "customers" ENABLE TRIGGER customers_write_json;
UPDATE "customers" SET json_on_receipt = NULL;
ALTER TABLE "customers" ENABLE TRIGGER USER;
