// The CSV of an inventory export: one row per inventory item (a product at a location), the
// location flattened into location_* columns and the custom attributes as one cell of JSON text
// ([{"parent","key","value"}…], lossless; a spreadsheet shows it as text). Free text is guarded
// against spreadsheet formulas by src/lib/csv.ts; ids, times and amounts are written exactly.

import type { InventoryRecord } from "../inventory/schemas.js";
import { type CsvColumn, csvColumn } from "../lib/csv.js";

const column = csvColumn<InventoryRecord>;

export const inventoryCsvColumns: CsvColumn<InventoryRecord>[] = [
  column("id", (i) => i.id),
  column("location_id", (i) => i.location.id),
  column("location_pos_id", (i) => i.location.pos_id),
  column("location_name", (i) => i.location.name, true),
  column("product_id", (i) => i.product_id),
  column("sku", (i) => i.sku),
  column("pos_product_id", (i) => i.pos_product_id),
  column("name", (i) => i.name, true),
  column("brand", (i) => i.brand, true),
  column("category", (i) => i.category, true),
  column("parent_category", (i) => i.parent_category, true),
  column("variant", (i) => i.variant, true),
  column("size", (i) => i.size, true),
  column("strain", (i) => i.strain, true),
  column("species", (i) => i.species, true),
  column("grade", (i) => i.grade, true),
  column("barcode", (i) => i.barcode),
  column("url", (i) => i.url, true),
  column("image_url", (i) => i.image_url, true),
  column("description", (i) => i.description, true),
  column("supplier_name", (i) => i.supplier_name, true),
  column("supplier_id", (i) => i.supplier_id),
  column("currency", (i) => i.currency),
  column("thc_percent", (i) => i.thc_percent),
  column("cbd_percent", (i) => i.cbd_percent),
  column("custom_attributes", (i) => JSON.stringify(i.custom_attributes), true),
  column("quantity", (i) => i.quantity),
  column("unit_cost", (i) => i.unit_cost),
  column("sale_price", (i) => i.sale_price),
  column("msrp", (i) => i.msrp),
  column("total_tax", (i) => i.total_tax),
  column("margin", (i) => i.margin),
  column("margin_percent", (i) => i.margin_percent),
  column("stock_value_at_cost", (i) => i.stock_value_at_cost),
  column("stock_value_at_price", (i) => i.stock_value_at_price),
  column("in_stock", (i) => i.in_stock),
  column("saleable", (i) => i.saleable),
  column("archived", (i) => i.archived),
  column("product_archived", (i) => i.product_archived),
  column("deleted_at", (i) => i.deleted_at),
  column("created_at", (i) => i.created_at),
  column("updated_at", (i) => i.updated_at),
];
