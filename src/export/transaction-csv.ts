// The CSV of a transactions export: one row per line item, the receipt's columns repeated on each
// of its lines. Why lines and not receipts: what analysts ask of a sales export is by product,
// category, brand, budtender and store, which needs the lines; receipts are recovered exactly by
// grouping on transaction_id (receipt_* columns are the receipt's own totals, repeated: take them
// once per transaction_id, never sum them over lines; sum line_total instead). A receipt without
// lines (none should exist) still gets one row, with empty line columns, so no receipt is lost.
// Free text (names, brands, categories, addresses) is guarded against spreadsheet formulas by
// src/lib/csv.ts; ids, SKUs, times and amounts are written exactly as in the JSON record.
import { type CsvColumn, csvColumn } from "../lib/csv.js";
import type { TransactionRecord } from "../transactions/schemas.js";

type Line = TransactionRecord["line_items"][number];

export interface TransactionCsvRow {
  t: TransactionRecord;
  line: Line | null;
}

const receipt = (
  header: string,
  value: (t: TransactionRecord) => string | number | null | undefined,
  text = false,
): CsvColumn<TransactionCsvRow> => csvColumn(header, (row) => value(row.t), text);

const line = (header: string, value: (l: Line) => string | number | null, text = false): CsvColumn<TransactionCsvRow> =>
  csvColumn(header, (row) => (row.line ? value(row.line) : null), text);

export const transactionCsvColumns: CsvColumn<TransactionCsvRow>[] = [
  receipt("transaction_id", (t) => t.id),
  receipt("pos_id", (t) => t.pos_id),
  receipt("location_id", (t) => t.location.id),
  receipt("location_pos_id", (t) => t.location.pos_id),
  receipt("location_name", (t) => t.location.name, true),
  receipt("business_date", (t) => t.business_date),
  receipt("transacted_at", (t) => t.transacted_at),
  receipt("channel", (t) => t.channel),
  receipt("kind", (t) => t.kind),
  receipt("status", (t) => t.status),
  receipt("voided_at", (t) => t.voided_at),
  receipt("original_transaction_id", (t) => t.original_transaction?.id),
  receipt("original_pos_id", (t) => t.original_transaction?.pos_id),
  receipt("customer_id", (t) => t.customer?.id),
  receipt("customer_pos_user", (t) => t.customer?.pos_user),
  receipt("customer_first_name", (t) => t.customer?.first_name, true),
  receipt("customer_last_name", (t) => t.customer?.last_name, true),
  receipt("customer_phone", (t) => t.customer?.phone),
  receipt("customer_email", (t) => t.customer?.email, true),
  receipt("employee_id", (t) => t.employee?.id),
  receipt("employee_pos_id", (t) => t.employee?.pos_id),
  receipt("employee_name", (t) => t.employee?.name, true),
  receipt("receipt_subtotal", (t) => t.totals.subtotal),
  receipt("receipt_discount", (t) => t.totals.discount),
  receipt("receipt_tax", (t) => t.totals.tax),
  receipt("receipt_total", (t) => t.totals.total),
  receipt("receipt_cost", (t) => t.totals.cost),
  receipt("receipt_margin", (t) => t.totals.margin),
  receipt("receipt_margin_percent", (t) => t.totals.margin_percent),
  line("line_number", (l) => l.line_number),
  line("sku", (l) => l.sku),
  line("product_id", (l) => l.product_id),
  line("pos_product_id", (l) => l.pos_product_id),
  line("name", (l) => l.name, true),
  line("brand", (l) => l.brand, true),
  line("category", (l) => l.category, true),
  line("parent_category", (l) => l.parent_category, true),
  line("size", (l) => l.size, true),
  line("strain", (l) => l.strain, true),
  line("grade", (l) => l.grade, true),
  line("species", (l) => l.species, true),
  line("unit_price", (l) => l.unit_price),
  line("quantity", (l) => l.quantity),
  line("discount", (l) => l.discount),
  line("tax", (l) => l.tax),
  line("line_total", (l) => l.line_total),
  line("unit_cost", (l) => l.unit_cost),
  line("line_cost", (l) => l.line_cost),
  line("margin", (l) => l.margin),
  line("margin_percent", (l) => l.margin_percent),
  line("stock_on_hand", (l) => l.stock_on_hand),
  receipt("deleted_at", (t) => t.deleted_at),
  receipt("created_at", (t) => t.created_at),
  receipt("updated_at", (t) => t.updated_at),
];

/** The CSV rows of one record (its JSON text, as PostgreSQL rendered it): one per line item. */
export function transactionCsvRows(json: string): TransactionCsvRow[] {
  const t = JSON.parse(json) as TransactionRecord;
  return t.line_items.length ? t.line_items.map((l) => ({ t, line: l })) : [{ t, line: null }];
}
