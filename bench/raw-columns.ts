// The floor's columns: what a receipt and its lines are as data, i.e. every column of the rows but the
// JSON fragments that triggers derive from them to serve the record (migrations 20261205060000_record_json_fragments
// and 20261205110000_transaction_json_lines). The floor is what reading the data costs; counting a copy the service
// keeps to answer faster would raise the floor by the very work it saves.
import type { Row, TableName } from "../src/db/sql.js";
import { LINE_ITEM_COLUMNS, TRANSACTION_COLUMNS } from "../src/seed/sales.js";

type Derived = "json_head" | "json_mid" | "json_totals" | "json_tail" | "json_body" | "json_lines";
type RawColumn<T extends TableName> = Exclude<keyof Row<T>, Derived> & string;

/** Every raw column of `table` (a column added in schema.prisma and missing here is a type error). */
const rawColumns =
  <T extends TableName>() =>
  <const C extends readonly RawColumn<T>[]>(columns: C & ([RawColumn<T>] extends [C[number]] ? unknown : never)) =>
    columns;

// The seeder's COPY columns, and what a receipt's row holds besides (written by the service, not the seeder).
const TRANSACTIONS = rawColumns<"transactions">()([
  ...TRANSACTION_COLUMNS,
  "body_hash",
  "deleted_at",
  "created_at",
  "updated_at",
]);
const LINE_ITEMS = rawColumns<"line_items">()(LINE_ITEM_COLUMNS);

/** `alias.column, …` of a receipt's raw columns. */
export const rawTransaction = (alias: string) => TRANSACTIONS.map((column) => `${alias}.${column}`).join(", ");
/** `alias.column, …` of a line's raw columns. */
export const rawLine = (alias: string) => LINE_ITEMS.map((column) => `${alias}.${column}`).join(", ");
