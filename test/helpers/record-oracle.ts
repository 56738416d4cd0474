// Our transaction record as PostgreSQL's JSON functions render it from the rows' columns: the
// definition the service used before it kept the record's fragments with the rows (migration
// 20261205060000_record_json_fragments). Kept here as the oracle the stored fragments are checked
// against, byte for byte: a fragment that drifts from what row_to_json/json_build_object/json_agg
// write for the same fields (escaping, decimals, instants, key order, separators) fails the
// record-fragments suite.
import { sql } from "kysely";
import { columnsOf, type Executor, reviewedStatement, run } from "../../src/db/sql.js";
import { utcText } from "../../src/lib/sync-feed.js";

const t = columnsOf("transactions", "t");
const li = columnsOf("line_items", "li");
const p = columnsOf("products", "p");

const ORACLE_LINE = `
  ${li.line_number}, ${li.sku}, lp.product_id, ${li.pos_product_id}, ${li.name}, ${li.brand}, ${li.category},
  ${li.parent_category}, ${li.size}, ${li.strain}, ${li.grade}, ${li.species},
  ${li.unit_price}::text AS unit_price, ${li.quantity}::text AS quantity, ${li.discount}::text AS discount,
  ${li.tax}::text AS tax, ${li.line_total}::text AS line_total, ${li.unit_cost}::text AS unit_cost,
  m.line_cost::text AS line_cost, m.margin::text AS margin, m.margin_percent::text AS margin_percent,
  inv.quantity::text AS stock_on_hand`;

const ORACLE_COLUMNS = `
  ${t.id}, ${t.pos_id},
  json_build_object('id', l.id, 'pos_id', l.pos_id, 'name', l.name, 'time_zone', l.time_zone) AS location,
  to_char(${t.business_date}, 'YYYY-MM-DD') AS business_date,
  ${utcText(t.transacted_at)} AS transacted_at, ${t.channel}, ${t.kind}, ${t.status},
  ${utcText(t.voided_at)} AS voided_at,
  CASE WHEN o.id IS NULL THEN NULL ELSE json_build_object('id', o.id, 'pos_id', o.pos_id) END AS original_transaction,
  CASE WHEN c.id IS NULL THEN NULL ELSE json_build_object(
    'id', c.id, 'pos_user', c.pos_user, 'first_name', c.first_name, 'last_name', c.last_name, 'phone',
      c.phone, 'email', c.email) END AS customer,
  CASE WHEN e.id IS NULL THEN NULL ELSE json_build_object(
    'id', e.id, 'pos_id', e.pos_id, 'name', concat_ws(' ', e.first_name, e.last_name)) END AS employee,
  json_build_object(
    'subtotal', ${t.subtotal}::text, 'discount', ${t.discount_total}::text, 'tax', ${t.tax_total}::text,
    'total', ${t.total}::text, 'cost', ${t.cost_total}::text,
    'margin', (${t.subtotal} - ${t.discount_total} - ${t.cost_total})::text,
    'margin_percent', (CASE WHEN ${t.subtotal} - ${t.discount_total} = 0 THEN NULL
      ELSE round((${t.subtotal} - ${t.discount_total} - ${t.cost_total})
        / (${t.subtotal} - ${t.discount_total}) * 100, 2) END)::text) AS totals,
  (SELECT coalesce(json_agg(x ORDER BY x.line_number), '[]'::json) FROM (
    SELECT ${ORACLE_LINE}
    FROM line_items li
    CROSS JOIN LATERAL (SELECT coalesce(${li.product_id}, (SELECT ${p.id} FROM products p
      WHERE ${p.merchant_id} = ${li.merchant_id} AND ${p.sku} = ${li.sku})) AS product_id) lp
    LEFT JOIN inventory_items inv
      ON inv.location_id = ${t.location_id} AND inv.product_id = lp.product_id AND inv.deleted_at IS NULL
    CROSS JOIN LATERAL (SELECT round(${li.unit_price} * ${li.quantity}, 2) - ${li.discount} AS net,
      round(${li.unit_cost} * ${li.quantity}, 4) AS line_cost) n
    CROSS JOIN LATERAL (SELECT n.line_cost, n.net - n.line_cost AS margin,
      CASE WHEN n.net = 0 THEN NULL ELSE round((n.net - n.line_cost) / n.net * 100, 2) END AS margin_percent) m
    WHERE ${li.transaction_id} = ${t.id}) x) AS line_items,
  ${utcText(t.deleted_at)} AS deleted_at, ${utcText(t.created_at)} AS created_at,
  ${utcText(t.updated_at)} AS updated_at`;

/** Every transaction's record (id → JSON text), rendered by the JSON functions. */
export async function oracleRecords(executor: Executor): Promise<Map<string, string>> {
  const rows = await run(
    executor,
    reviewedStatement(
      "housekeeping",
      sql<{ id: string; record: string }>`SELECT t.id, row_to_json(rec)::text AS record FROM transactions t
        JOIN locations l ON l.id = ${sql.raw(t.location_id)}
        LEFT JOIN customers c ON c.id = ${sql.raw(t.customer_id)}
        LEFT JOIN employees e ON e.id = ${sql.raw(t.employee_id)}
        LEFT JOIN transactions o ON o.id = ${sql.raw(t.original_transaction_id)}
        CROSS JOIN LATERAL (SELECT ${sql.raw(ORACLE_COLUMNS)}) rec`,
    ),
  );
  return new Map(rows.map((row) => [row.id, row.record]));
}
