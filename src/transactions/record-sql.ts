// The SQL that builds a transaction record's JSON inside PostgreSQL, for a row `t` of transactions
// joined as in RECORD_JOINS. PostgreSQL writes the page's JSON text so that Node only concatenates
// text: no per-row objects, no Decimal parsing, no float ever.
// The margin rules: net = round(unit_price × quantity, 2) − discount, tax excluded;
// line_cost = unit_cost × quantity; margin = net − line_cost; margin_percent = margin ÷ net × 100
// (2 decimals), null when net is 0 or the cost is unknown. Totals use the receipt's own columns.
// They are written twice: here for the aiq shape, and in the triggers that keep our own shape's
// fragments (migration 20261205060000_record_json_fragments); the record-fragments suite checks the
// triggers' figures against these rules rendered by PostgreSQL's JSON functions (test/helpers/record-oracle.ts).
import { columnsOf } from "../db/sql.js";
import { rowsBound, WALK_IN_ORDER } from "../lib/stable-plan.js";
import { MAX_LINES } from "./write-schemas.js";

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
 * The joins every record needs: its location, employee and refunded sale. Each is a LATERAL lookup
 * by primary key that the planner cannot merge into the query (OFFSET 0 keeps it a subquery of its
 * own), so it can only run as an index probe per record: a page of 1,000 costs 1,000 probes whatever
 * the table sizes or statistics, never a hash of a whole table. Each also renders what our record
 * shows of it (`json`): rendered inside the probe, it is cached with the probe's row when the planner
 * memoizes the probe (a page's few stores and employees are rendered once each). The customer is
 * joined apart (CUSTOMER_JOIN, standardRecordJson).
 */
export const RECORD_JOINS = `
  CROSS JOIN LATERAL (SELECT ${l.id}, ${l.pos_id}, ${l.name}, ${l.time_zone},
    json_build_object('id', ${l.id}, 'pos_id', ${l.pos_id}, 'name', ${l.name},
      'time_zone', ${l.time_zone})::text AS json
    FROM locations l WHERE ${l.id} = ${t.location_id} OFFSET 0) l
  LEFT JOIN LATERAL (SELECT e.*,
    json_build_object('id', ${e.id}, 'pos_id', ${e.pos_id},
      'name', concat_ws(' ', ${e.first_name}, ${e.last_name}))::text AS json
    FROM employees e WHERE ${e.id} = ${t.employee_id} OFFSET 0) e ON true
  LEFT JOIN LATERAL (SELECT ${o.id}, ${o.pos_id}, json_build_object('id', ${o.id}, 'pos_id', ${o.pos_id})::text AS json
    FROM transactions o WHERE ${o.id} = ${t.original_transaction_id} OFFSET 0) o ON true`;

/** The customer's row `c` beside RECORD_JOINS, fenced like them: the aiq shape reads its columns. */
export const CUSTOMER_JOIN = `
  LEFT JOIN LATERAL (SELECT c.* FROM customers c WHERE ${c.id} = ${t.customer_id} OFFSET 0) c ON true`;

/**
 * What our record shows of the customer (kept on its row, `json_on_receipt`), as a scalar sub-select:
 * one index probe per record, never memoized. Customers repeat little within a page or an export
 * batch, so the LATERAL join's Memoize missed on ~85% of receipts and paid for its cache on each
 * (big shape, COPY of 100,000 receipts: PostgreSQL's CPU 2.65 → 2.55 s, medians of 4; with the join,
 * a covering index or a narrow table of the customers' JSON changed nothing).
 */
const CUSTOMER_JSON = `(SELECT ${c.json_on_receipt} FROM customers c WHERE ${c.id} = ${t.customer_id})`;

/**
 * The lines of `t` as a row source `li` of `columns`, in line order, read by one probe of their (transaction_id,
 * line_number) key whatever the statistics. The LIMIT drops nothing: the API takes at most MAX_LINES lines a receipt
 * (write-schemas.ts; the seed's receipts have at most 8), and the bound is the power of two at or above it. It makes
 * the plan one chosen for its first rows, and WALK_IN_ORDER (lib/stable-plan.ts) makes the planner reckon a receipt's
 * lines a million times as many as it guesses, so only the key's ordered probe, which can stop at the LIMIT, is
 * cheap; a bitmap scan must read them all and sort them. Before, two all-covering ranges made a database never
 * analysed expect one line a receipt, a nudge that did not hold on big's 3.1M lines: there the planner read each
 * receipt's lines by a bitmap scan and a sort (the page of 1,000: 28.8 ms of PostgreSQL's CPU, against 25 analysed).
 */
const linesOfT = (columns: string) => `(
      SELECT ${columns} FROM line_items li ${WALK_IN_ORDER}
      WHERE ${li.transaction_id} = ${t.id} ORDER BY ${li.line_number} LIMIT ${rowsBound(MAX_LINES)}
    ) li`;

/**
 * For each line `li` of `t` (`lines`, linesOfT): `lp.product_id` (the linked product, or the product of that SKU if
 * the line was never linked) and `inv.quantity` (that product's stock at the receipt's location now).
 * The stock is a LATERAL probe of inventory_items' (location_id, product_id) key, fenced by OFFSET 0
 * like RECORD_JOINS: as a plain join the planner hashed the store's whole inventory once per
 * receipt (loops=1001 on the demo's 1,000-receipt page: 961 ms), a plan that came and went with
 * table sizes and statistics.
 */
const lineJoins = (lines: string) => `${lines}
    CROSS JOIN LATERAL (
      SELECT coalesce(${li.product_id},
        (SELECT ${p.id} FROM products p WHERE ${p.merchant_id} = ${li.merchant_id} AND ${p.sku} = ${li.sku}))
          AS product_id
    ) lp
    LEFT JOIN LATERAL (
      SELECT ${inv.quantity} FROM inventory_items inv
      WHERE ${inv.location_id} = ${t.location_id} AND ${inv.product_id} = lp.product_id AND ${inv.deleted_at} IS NULL
        OFFSET 0
    ) inv ON true`;

/**
 * The lines of `t` as one JSON array (in receipt order), each a row of `lineColumns` over `li`, `lp`,
 * `inv` (lineJoins) and `m` (margin values). json_agg of rows (not json_build_object per line) is
 * the fastest way PostgreSQL has to render them. The aiq shape's lines (all their columns); our own shape's are kept
 * rendered (standardRecordJson).
 */
export const linesArray = (lineColumns: string) => `(
  SELECT coalesce(json_agg(x ORDER BY x.line_number), '[]'::json) FROM (
    SELECT ${lineColumns}
    FROM ${lineJoins(linesOfT("li.*"))}
    CROSS JOIN LATERAL (SELECT round(${li.unit_price} * ${li.quantity}, 2) - ${li.discount} AS net,
      round(${li.unit_cost} * ${li.quantity}, 4) AS line_cost) n
    CROSS JOIN LATERAL (
      SELECT n.line_cost, n.net - n.line_cost AS margin,
             CASE WHEN n.net = 0 THEN NULL ELSE round((n.net - n.line_cost) / n.net * 100, 2) END AS margin_percent
    ) m
  ) x
)`;

/** Receipt-level margin from its own totals (cost_total null: margin null). */
export const TOTALS_MARGIN = `(${t.subtotal} - ${t.discount_total} - ${t.cost_total})`;
export const TOTALS_MARGIN_PERCENT = `(CASE WHEN ${t.subtotal} - ${t.discount_total} = 0 THEN NULL
  ELSE round((${t.subtotal} - ${t.discount_total} - ${t.cost_total}) / (${t.subtotal} - ${t.discount_total}) * 100, 2)
    END)`;

/** The lines as our own shape reads them: their kept JSON and what their product and stock are found by. */
const STANDARD_LINE = linesOfT(
  [li.json_head, li.json_body, li.line_number, li.product_id, li.merchant_id, li.sku].join(", "),
);

/** A JSON string of a value's text, or null: for values whose text needs no escaping (uuids, decimals). */
const quotedOrNull = (value: string) => `coalesce('"' || ${value} || '"', 'null')`;

/**
 * Our record (see transactionRecordSchema) as JSON text, over `t` joined as in RECORD_JOINS. What
 * belongs to the receipt's own rows is kept rendered beside them, written with the rows by triggers
 * (migration 20261205060000_record_json_fragments, which also holds the margin rules of our shape):
 * the receipt's fragments (t.json_*), each line's (li.json_head, li.json_body) and the customer's.
 * What changes on its own is joined now: the store, customer, employee and refunded sale as they are,
 * each line's product (linked later, or by SKU) and stock on hand. Only text is concatenated, so a
 * record costs about what reading its rows does (rendering it with PostgreSQL's JSON functions
 * cost ~5× that). The bytes are those the JSON functions write (the record-fragments suite compares
 * them), array separator included: json_agg's ", \n ", whose line break an NDJSON line (`oneLine`)
 * leaves out.
 */
export const standardRecordJson = (oneLine: boolean) =>
  recordWithLines(`coalesce((SELECT '[' || string_agg(${li.json_head} || ${quotedOrNull("lp.product_id")}
      || ${li.json_body} || ${quotedOrNull(inv.quantity)} || '}', ${oneLine ? "',  '" : "E', \\n '"}
      ORDER BY ${li.line_number}) || ']'
    FROM ${lineJoins(STANDARD_LINE)}), '[]')`);

/** Our record's JSON text around `lines` (the JSON array of its lines), over `t` joined as in RECORD_JOINS. */
function recordWithLines(lines: string): string {
  return `(${t.json_head} || l.json || ${t.json_mid}
  || coalesce(o.json, 'null') || ',"customer":' || coalesce(${CUSTOMER_JSON}, 'null')
  || ',"employee":' || coalesce(e.json, 'null') || ${t.json_totals}
  || ${lines}
  || ${t.json_tail})`;
}

/**
 * Our record as the NDJSON export and a page of 1,000 read it: standardRecordJson's, but the lines are the receipt's
 * kept text (transactions.json_lines, migration 20261205110000_transaction_json_lines), on one line, which holds
 * markers where each line's product and stock on hand go; the service fills them in (kept-lines.ts), and puts the
 * lines' line breaks back on a page. One column read instead of a sub-select of the lines with two probes each (the
 * big bench shape's export: PostgreSQL's CPU 2.8 → ~1.7 s per 100,000 records).
 */
export const keptLinesRecordJson = recordWithLines(`coalesce(${t.json_lines}, '[]')`);
