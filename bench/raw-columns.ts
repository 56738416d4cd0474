// The floor's columns: what a receipt and its lines are as data, i.e. every column of the rows but the
// JSON fragments that triggers derive from them to serve the record (migration
// 20261205060000_record_json_fragments). The floor is what reading the data costs; counting a copy
// the service keeps to answer faster would raise the floor by the very work it saves.
import type { Row, TableName } from "../src/db/sql.js";

type Derived = "json_head" | "json_mid" | "json_totals" | "json_tail" | "json_body";
type RawColumn<T extends TableName> = Exclude<keyof Row<T>, Derived> & string;

/** Every raw column of `table` (a column added in schema.prisma and missing here is a type error). */
const rawColumns =
  <T extends TableName>() =>
  <const C extends readonly RawColumn<T>[]>(columns: C & ([RawColumn<T>] extends [C[number]] ? unknown : never)) =>
    columns;

const TRANSACTIONS = rawColumns<"transactions">()([
  "id",
  "merchant_id",
  "pos_id",
  "location_id",
  "customer_id",
  "employee_id",
  "channel",
  "kind",
  "status",
  "voided_at",
  "original_transaction_id",
  "transacted_at",
  "business_date",
  "subtotal",
  "discount_total",
  "tax_total",
  "total",
  "cost_total",
  "body_hash",
  "deleted_at",
  "created_at",
  "updated_at",
]);

const LINE_ITEMS = rawColumns<"line_items">()([
  "id",
  "merchant_id",
  "transaction_id",
  "line_number",
  "product_id",
  "sku",
  "pos_product_id",
  "name",
  "brand",
  "category",
  "parent_category",
  "size",
  "strain",
  "grade",
  "species",
  "unit_price",
  "quantity",
  "discount",
  "tax",
  "line_total",
  "unit_cost",
]);

/** `alias.column, …` of a receipt's raw columns. */
export const rawTransaction = (alias: string) => TRANSACTIONS.map((column) => `${alias}.${column}`).join(", ");
/** `alias.column, …` of a line's raw columns. */
export const rawLine = (alias: string) => LINE_ITEMS.map((column) => `${alias}.${column}`).join(", ");
