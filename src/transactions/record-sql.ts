// The SQL that builds a transaction record's JSON inside PostgreSQL, for a row `t` of transactions
// joined as in RECORD_JOINS. PostgreSQL renders the page (row_to_json of the record's columns,
// json_agg of the lines) so that Node only concatenates text: no per-row objects, no Decimal
// parsing, no float ever.
// The margin rules (one place): net = round(unit_price × quantity, 2) − discount, tax excluded;
// line_cost = unit_cost × quantity; margin = net − line_cost; margin_percent = margin ÷ net × 100
// (2 decimals), null when net is 0 or the cost is unknown. Totals use the receipt's own columns.
import { utcText } from "../lib/sync-feed.js";

/** The joins every record needs: its location, customer, employee and refunded sale. */
export const RECORD_JOINS = `
  JOIN locations l ON l.id = t.location_id
  LEFT JOIN customers c ON c.id = t.customer_id
  LEFT JOIN employees e ON e.id = t.employee_id
  LEFT JOIN transactions o ON o.id = t.original_transaction_id`;

/**
 * The lines of `t` as one JSON array (in receipt order), each a row of `lineColumns` over `li` (the
 * line), `lp.product_id` (linked product, or the product of that SKU if the line was never linked),
 * `inv` (that product's stock at the receipt's location now) and `m` (margin values). json_agg of
 * rows (not json_build_object per line) is the fastest way PostgreSQL has to render them.
 */
export const linesArray = (lineColumns: string) => `(
  SELECT coalesce(json_agg(x ORDER BY x.line_number), '[]'::json) FROM (
    SELECT ${lineColumns}
    FROM line_items li
    CROSS JOIN LATERAL (
      SELECT coalesce(li.product_id, (SELECT p.id FROM products p WHERE p.merchant_id = li.merchant_id AND p.sku = li.sku)) AS product_id
    ) lp
    LEFT JOIN inventory_items inv ON inv.location_id = t.location_id AND inv.product_id = lp.product_id AND inv.deleted_at IS NULL
    CROSS JOIN LATERAL (SELECT round(li.unit_price * li.quantity, 2) - li.discount AS net, round(li.unit_cost * li.quantity, 4) AS line_cost) n
    CROSS JOIN LATERAL (
      SELECT n.line_cost, n.net - n.line_cost AS margin,
             CASE WHEN n.net = 0 THEN NULL ELSE round((n.net - n.line_cost) / n.net * 100, 2) END AS margin_percent
    ) m
    WHERE li.transaction_id = t.id
  ) x
)`;

/** Receipt-level margin from its own totals (cost_total null: margin null). */
export const TOTALS_MARGIN = `(t.subtotal - t.discount_total - t.cost_total)`;
export const TOTALS_MARGIN_PERCENT = `(CASE WHEN t.subtotal - t.discount_total = 0 THEN NULL
  ELSE round((t.subtotal - t.discount_total - t.cost_total) / (t.subtotal - t.discount_total) * 100, 2) END)`;

const STANDARD_LINE = `
  li.line_number,
  li.sku,
  lp.product_id,
  li.pos_product_id,
  li.name,
  li.brand,
  li.category,
  li.parent_category,
  li.size,
  li.strain,
  li.grade,
  li.species,
  li.unit_price::text AS unit_price,
  li.quantity::text AS quantity,
  li.discount::text AS discount,
  li.tax::text AS tax,
  li.line_total::text AS line_total,
  li.unit_cost::text AS unit_cost,
  m.line_cost::text AS line_cost,
  m.margin::text AS margin,
  m.margin_percent::text AS margin_percent,
  inv.quantity::text AS stock_on_hand`;

/**
 * Our record (see transactionRecordSchema) as the columns of one row, in the record's key order;
 * the caller renders it with row_to_json (see list-query.ts).
 */
export const STANDARD_COLUMNS = `
  t.id,
  t.pos_id,
  json_build_object('id', l.id, 'pos_id', l.pos_id, 'name', l.name, 'time_zone', l.time_zone) AS location,
  to_char(t.business_date, 'YYYY-MM-DD') AS business_date,
  ${utcText("t.transacted_at")} AS transacted_at,
  t.channel,
  t.kind,
  t.status,
  ${utcText("t.voided_at")} AS voided_at,
  CASE WHEN o.id IS NULL THEN NULL ELSE json_build_object('id', o.id, 'pos_id', o.pos_id) END AS original_transaction,
  CASE WHEN c.id IS NULL THEN NULL ELSE json_build_object(
    'id', c.id, 'pos_user', c.pos_user, 'first_name', c.first_name, 'last_name', c.last_name, 'phone', c.phone, 'email', c.email) END AS customer,
  CASE WHEN e.id IS NULL THEN NULL ELSE json_build_object(
    'id', e.id, 'pos_id', e.pos_id, 'name', concat_ws(' ', e.first_name, e.last_name)) END AS employee,
  json_build_object(
    'subtotal', t.subtotal::text,
    'discount', t.discount_total::text,
    'tax', t.tax_total::text,
    'total', t.total::text,
    'cost', t.cost_total::text,
    'margin', ${TOTALS_MARGIN}::text,
    'margin_percent', ${TOTALS_MARGIN_PERCENT}::text) AS totals,
  ${linesArray(STANDARD_LINE)} AS line_items,
  ${utcText("t.deleted_at")} AS deleted_at,
  ${utcText("t.created_at")} AS created_at,
  ${utcText("t.updated_at")} AS updated_at`;
