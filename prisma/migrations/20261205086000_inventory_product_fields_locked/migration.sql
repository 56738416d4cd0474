-- An item written while its product is being changed must not keep the product's old fields: without a
-- lock, the item's trigger read the product as last committed, and the product's own trigger
-- (pos_bridge_touch_product_inventory) could not see the item yet, so the item kept the old category
-- for good. FOR SHARE makes them take turns: the item waits for the product's change to commit and reads
-- its new fields, or the product's change waits for the item and then updates it too. (The foreign
-- key's check takes only FOR KEY SHARE, which a change of category does not wait for.)
CREATE OR REPLACE FUNCTION pos_bridge_inventory_product_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT p.category, (p.deleted_at IS NULL AND NOT p.archived)
    INTO NEW.product_category, NEW.product_active
    FROM products p WHERE p.id = NEW.product_id
    FOR SHARE;
  RETURN NEW;
END
$$;
