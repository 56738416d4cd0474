-- A writer may force a new change time by setting updated_at itself (to any value: the database's
-- clock still decides it). Without that, an UPDATE that changes nothing keeps its change time.
CREATE OR REPLACE FUNCTION pos_bridge_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
     AND (to_jsonb(NEW) - 'updated_at') = (to_jsonb(OLD) - 'updated_at') THEN
    RETURN NEW;
  END IF;
  PERFORM pg_current_xact_id();
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$;

-- The inventory feed walks inventory_items by change time, and each item carries its product's
-- fields: a change to a product moves its inventory rows forward so the feed serves the change.
CREATE FUNCTION pos_bridge_touch_product_inventory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
    UPDATE inventory_items SET updated_at = NEW.updated_at WHERE product_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER products_touch_inventory AFTER UPDATE ON "products" FOR EACH ROW EXECUTE FUNCTION pos_bridge_touch_product_inventory();
