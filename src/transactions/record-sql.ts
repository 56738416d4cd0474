// The SQL that builds a transaction record's JSON inside PostgreSQL, for a row `t` of transactions
// joined as in RECORD_JOINS. PostgreSQL renders the page (row_to_json of the record's columns,
// json_agg of the lines) so that Node only concatenates text: no per-row objects, no Decimal
// parsing, no float ever.
// The margin rules (one place): net = round(unit_price × quantity, 2) − discount, tax excluded;
// line_cost = unit_cost × quantity; margin = net − line_cost; margin_percent = margin ÷ net × 100
// (2 decimals), null when net is 0 or the cost is unknown. Totals use the receipt's own columns.
import { columnsOf } from "../db/sql.js";
import { utcText } from "../lib/sync-feed.js";

// The tables' columns under the aliases the record's SQL uses: a column renamed in schema.prisma is a
// type error here (db/sql.ts).
export const t = columnsOf("transactions", "t");
export const li = columnsOf("line_items", "li");
export const c = columnsOf("customers", "c");
export const e = columnsOf("employees", "e");
export const l = columnsOf("locations", "l");
export const o = columnsOf("transactions", "o");
const p = columnsOf("products", "p");
export const inv = columnsOf("inventory_items", "inv");

/**
 * The joins every record needs: its location, customer, employee and refunded sale. Each is a
 * LATERAL lookup by primary key that the planner cannot merge into the query (OFFSET 0 keeps it a
 * subquery of its own), so it can only run as an index probe per record: a page of 1,000 costs
 * 1,000 probes whatever the table sizes or statistics, never a hash of the merchant's whole
 * customers table (which the planner chose with plain joins once the page was large enough).
 */
export const RECORD_JOINS = `
  CROSS JOIN LATERAL (SELECT ${l.id}, ${l.pos_id}, ${l.name},
    ${l.time_zone} FROM locations l WHERE ${l.id} = ${t.location_id} OFFSET 0) l
  LEFT JOIN LATERAL (SELECT c.* FROM customers c WHERE ${c.id} = ${t.customer_id} OFFSET 0) c ON true
  LEFT JOIN LATERAL (SELECT e.* FROM employees e WHERE ${e.id} = ${t.employee_id} OFFSET 0) e ON true
  LEFT JOIN LATERAL (SELECT ${o.id},
    ${o.pos_id} FROM transactions o WHERE ${o.id} = ${t.original_transaction_id} OFFSET 0) o ON true`;

/**
 * The lines of `t` as one JSON array (in receipt order), each a row of `lineColumns` over `li` (the
 * line), `lp.product_id` (linked product, or the product of that SKU if the line was never linked),
 * `inv` (that product's stock at the receipt's location now) and `m` (margin values). json_agg of
 * rows (not json_build_object per line) is the fastest way PostgreSQL has to render them.
 * The stock is a LATERAL probe of inventory_items' (location_id, product_id) key, fenced by OFFSET 0
 * like RECORD_JOINS: as a plain join the planner hashed the store's whole inventory once per
 * receipt (loops=1001 on the demo's 1,000-receipt page: 961 ms), a plan that came and went with
 * table sizes and statistics.
 */
export const linesArray = (lineColumns: string) => `(
  SELECT coalesce(json_agg(x ORDER BY x.line_number), '[]'::json) FROM (
    SELECT ${lineColumns}
    FROM line_items li
    CROSS JOIN LATERAL (
      SELECT coalesce(${li.product_id},
        (SELECT ${p.id} FROM products p WHERE ${p.merchant_id} = ${li.merchant_id} AND ${p.sku} = ${li.sku}))
          AS product_id
    ) lp
    LEFT JOIN LATERAL (
      SELECT ${inv.quantity} FROM inventory_items inv
      WHERE ${inv.location_id} = ${t.location_id} AND ${inv.product_id} = lp.product_id AND ${inv.deleted_at} IS NULL
        OFFSET 0
    ) inv ON true
    CROSS JOIN LATERAL (SELECT round(${li.unit_price} * ${li.quantity}, 2) - ${li.discount} AS net,
      round(${li.unit_cost} * ${li.quantity}, 4) AS line_cost) n
    CROSS JOIN LATERAL (
      SELECT n.line_cost, n.net - n.line_cost AS margin,
             CASE WHEN n.net = 0 THEN NULL ELSE round((n.net - n.line_cost) / n.net * 100, 2) END AS margin_percent
    ) m
    WHERE ${li.transaction_id} = ${t.id}
  ) x
)`;

/** Receipt-level margin from its own totals (cost_total null: margin null). */
export const TOTALS_MARGIN = `(${t.subtotal} - ${t.discount_total} - ${t.cost_total})`;
export const TOTALS_MARGIN_PERCENT = `(CASE WHEN ${t.subtotal} - ${t.discount_total} = 0 THEN NULL
  ELSE round((${t.subtotal} - ${t.discount_total} - ${t.cost_total}) / (${t.subtotal} - ${t.discount_total}) * 100, 2)
    END)`;

const STANDARD_LINE = `
  ${li.line_number},
  ${li.sku},
  lp.product_id,
  ${li.pos_product_id},
  ${li.name},
  ${li.brand},
  ${li.category},
  ${li.parent_category},
  ${li.size},
  ${li.strain},
  ${li.grade},
  ${li.species},
  ${li.unit_price}::text AS unit_price,
  ${li.quantity}::text AS quantity,
  ${li.discount}::text AS discount,
  ${li.tax}::text AS tax,
  ${li.line_total}::text AS line_total,
  ${li.unit_cost}::text AS unit_cost,
  m.line_cost::text AS line_cost,
  m.margin::text AS margin,
  m.margin_percent::text AS margin_percent,
  ${inv.quantity}::text AS stock_on_hand`;

/**
 * Our record (see transactionRecordSchema) as the columns of one row, in the record's key order;
 * the caller renders it with row_to_json (see list-query.ts).
 */
export const STANDARD_COLUMNS = `
  ${t.id},
  ${t.pos_id},
  json_build_object('id', ${l.id}, 'pos_id', ${l.pos_id}, 'name', ${l.name}, 'time_zone', ${l.time_zone}) AS location,
  to_char(${t.business_date}, 'YYYY-MM-DD') AS business_date,
  ${utcText(t.transacted_at)} AS transacted_at,
  ${t.channel},
  ${t.kind},
  ${t.status},
  ${utcText(t.voided_at)} AS voided_at,
  CASE WHEN ${o.id} IS NULL THEN NULL ELSE json_build_object('id', ${o.id}, 'pos_id', ${o.pos_id}) END
    AS original_transaction,
  CASE WHEN ${c.id} IS NULL THEN NULL ELSE json_build_object(
    'id', ${c.id}, 'pos_user', ${c.pos_user}, 'first_name', ${c.first_name}, 'last_name', ${c.last_name}, 'phone',
      ${c.phone}, 'email', ${c.email}) END AS customer,
  CASE WHEN ${e.id} IS NULL THEN NULL ELSE json_build_object(
    'id', ${e.id}, 'pos_id', ${e.pos_id}, 'name', concat_ws(' ', ${e.first_name}, ${e.last_name})) END AS employee,
  json_build_object(
    'subtotal', ${t.subtotal}::text,
    'discount', ${t.discount_total}::text,
    'tax', ${t.tax_total}::text,
    'total', ${t.total}::text,
    'cost', ${t.cost_total}::text,
    'margin', ${TOTALS_MARGIN}::text,
    'margin_percent', ${TOTALS_MARGIN_PERCENT}::text) AS totals,
  ${linesArray(STANDARD_LINE)} AS line_items,
  ${utcText(t.deleted_at)} AS deleted_at,
  ${utcText(t.created_at)} AS created_at,
  ${utcText(t.updated_at)} AS updated_at`;
