-- The inventory report (src/reports/inventory/sql.ts) reads a merchant's items in the order of its
-- grouping, store then category, with every figure it sums, from this index alone. Without it the
-- plan waited for statistics: on a database never analysed the planner expected a handful of items,
-- took them by the merchant's index in no useful order and sorted them all before grouping (the demo's
-- 764 items, big's 12,684); once analysed it scanned the table and hashed. With it, both read the
-- index in order and group as they go: its key is the grouping's columns then the summed ones (an
-- index-only scan), and it holds the report's items only (not deleted, not archived, product active).
-- Every update that changes an item already moves its updated_at, which is indexed, so none of them
-- was a HOT update that this index now makes a full one.
CREATE INDEX "inventory_items_report_idx" ON "inventory_items"("merchant_id", "location_id", "product_category", "quantity", "unit_cost", "sale_price") WHERE (deleted_at IS NULL AND NOT archived AND product_active);
