// Invariants that seeded data must hold, checked in SQL over one merchant: receipt totals equal
// the sums of their lines to the cent, refunds never return more than was sold, business dates
// are local dates, inventory prices make sense, contacts are normalised. Returns the problems
// found (empty when consistent), so a test can assert on the list and print it when it fails.
// The price checks compare lines with today's inventory, so they hold for freshly seeded data.
import { isValidPhoneNumber } from "libphonenumber-js";
import type pg from "pg";

interface Check {
  problem: string;
  /** Returns the offending rows' labels (a few are enough to go on). */
  sql: string;
}

const CHECKS: Check[] = [
  {
    problem: "receipt totals differ from the sums of their lines",
    sql: `
      SELECT t.pos_id AS label FROM transactions t
      JOIN (
        SELECT transaction_id, sum(unit_price * quantity) AS subtotal, sum(discount) AS discount, sum(tax) AS tax,
               sum(line_total) AS total, sum(unit_cost * quantity) AS cost, count(*) AS n
        FROM line_items WHERE merchant_id = $1 GROUP BY transaction_id
      ) l ON l.transaction_id = t.id
      WHERE t.merchant_id = $1
        AND (t.subtotal <> l.subtotal OR t.discount_total <> l.discount OR t.tax_total <> l.tax
             OR t.total <> l.total OR t.cost_total IS DISTINCT FROM l.cost)`,
  },
  {
    problem: "receipts without lines",
    sql: `SELECT t.pos_id AS label FROM transactions t
          WHERE t.merchant_id = $1 AND NOT EXISTS (SELECT 1 FROM line_items l WHERE l.transaction_id = t.id)`,
  },
  {
    problem: "lines whose line_total is not unit_price * quantity - discount + tax",
    sql: `SELECT l.transaction_id || '#' || l.line_number AS label FROM line_items l
          WHERE l.merchant_id = $1 AND l.line_total <> round(l.unit_price * l.quantity - l.discount + l.tax, 2)`,
  },
  {
    problem: "sale lines with a quantity <= 0, or refund lines with a quantity >= 0",
    sql: `SELECT t.pos_id AS label FROM transactions t JOIN line_items l ON l.transaction_id = t.id
          WHERE t.merchant_id = $1 AND ((t.kind = 'sale' AND l.quantity <= 0) OR (t.kind = 'refund' AND l.quantity >= 0))`,
  },
  {
    problem: "lines whose product fields differ from their product",
    sql: `SELECT l.transaction_id || '#' || l.line_number AS label FROM line_items l JOIN products p ON p.id = l.product_id
          WHERE l.merchant_id = $1 AND (l.sku <> p.sku OR l.name <> p.name OR l.brand IS DISTINCT FROM p.brand
            OR l.category IS DISTINCT FROM p.category OR l.parent_category IS DISTINCT FROM p.parent_category
            OR l.size IS DISTINCT FROM p.size OR l.strain IS DISTINCT FROM p.strain OR l.grade IS DISTINCT FROM p.grade
            OR l.species IS DISTINCT FROM p.species OR l.pos_product_id IS DISTINCT FROM p.pos_product_id)`,
  },
  {
    problem: "lines whose unit price or cost differ from the store's inventory",
    sql: `SELECT l.transaction_id || '#' || l.line_number AS label FROM line_items l
          JOIN transactions t ON t.id = l.transaction_id
          LEFT JOIN inventory_items i ON i.location_id = t.location_id AND i.product_id = l.product_id
          WHERE l.merchant_id = $1 AND (i.id IS NULL OR l.unit_price <> i.sale_price OR l.unit_cost IS DISTINCT FROM i.unit_cost)`,
  },
  {
    problem: "business_date is not the local date of transacted_at",
    sql: `SELECT t.pos_id AS label FROM transactions t JOIN locations l ON l.id = t.location_id
          WHERE t.merchant_id = $1 AND t.business_date <> (t.transacted_at AT TIME ZONE l.time_zone)::date`,
  },
  {
    problem: "receipts outside business hours (06:00-24:00 local)",
    sql: `SELECT t.pos_id AS label FROM transactions t JOIN locations l ON l.id = t.location_id
          WHERE t.merchant_id = $1 AND extract(hour FROM t.transacted_at AT TIME ZONE l.time_zone) < 6`,
  },
  {
    problem: "refunds not linked to an earlier sale of the same store and customer",
    sql: `SELECT r.pos_id AS label FROM transactions r LEFT JOIN transactions s ON s.id = r.original_transaction_id
          WHERE r.merchant_id = $1 AND r.kind = 'refund'
            AND (s.id IS NULL OR s.kind <> 'sale' OR s.merchant_id <> r.merchant_id OR s.location_id <> r.location_id
                 OR s.customer_id IS DISTINCT FROM r.customer_id OR r.transacted_at <= s.transacted_at OR s.status <> 'completed')`,
  },
  {
    problem: "store-days whose sales rollups differ from their receipts' lines",
    sql: `
      WITH direct AS (
        SELECT t.location_id, t.business_date, count(DISTINCT t.id) FILTER (WHERE t.kind = 'sale') AS receipts,
               sum(round(li.unit_price * li.quantity, 2)) AS gross, sum(li.discount) AS discount, sum(li.tax) AS tax,
               coalesce(sum(round(li.unit_cost * li.quantity, 4)), 0) AS cost
        FROM transactions t JOIN line_items li ON li.transaction_id = t.id
        WHERE t.merchant_id = $1 AND t.status = 'completed' AND t.deleted_at IS NULL
        GROUP BY 1, 2
      ), rolled AS (
        SELECT location_id, business_date, sum(receipts) FILTER (WHERE is_sale) AS receipts, sum(gross) AS gross,
               sum(discount) AS discount, sum(tax) AS tax, sum(cost) AS cost
        FROM sales_daily WHERE merchant_id = $1 GROUP BY 1, 2
      )
      SELECT coalesce(d.business_date, r.business_date)::text AS label
      FROM direct d FULL JOIN rolled r ON r.location_id = d.location_id AND r.business_date = d.business_date
      WHERE (d.receipts, d.gross, d.discount, d.tax, d.cost) IS DISTINCT FROM (coalesce(r.receipts, 0), r.gross, r.discount, r.tax, r.cost)`,
  },
  {
    problem: "store-months whose sales_monthly_lines differ from the sum of their sales_daily_lines",
    sql: `
      WITH days AS (
        SELECT location_id, date_trunc('month', business_date::timestamp)::date AS month, dimension, group_key, is_sale,
               max(group_name) AS group_name, sum(receipts) AS receipts, sum(units) AS units, sum(gross) AS gross,
               sum(discount) AS discount, sum(tax) AS tax, sum(cost) AS cost, sum(lines_without_cost) AS lines_without_cost
        FROM sales_daily_lines WHERE merchant_id = $1 GROUP BY 1, 2, 3, 4, 5
      ), months AS (SELECT * FROM sales_monthly_lines WHERE merchant_id = $1)
      SELECT DISTINCT coalesce(d.month, m.month)::text AS label
      FROM days d FULL JOIN months m ON m.location_id = d.location_id AND m.month = d.month AND m.dimension = d.dimension
        AND m.group_key IS NOT DISTINCT FROM d.group_key AND m.is_sale = d.is_sale
      WHERE (d.group_name, d.receipts, d.units, d.gross, d.discount, d.tax, d.cost, d.lines_without_cost)
            IS DISTINCT FROM (m.group_name, m.receipts, m.units, m.gross, m.discount, m.tax, m.cost, m.lines_without_cost)`,
  },
  {
    problem: "customers whose first sale at a store differs from the customer_first_sales rollup",
    sql: `
      WITH direct AS (
        SELECT customer_id, location_id, min(business_date) AS first_date FROM transactions
        WHERE merchant_id = $1 AND customer_id IS NOT NULL AND kind = 'sale' AND status = 'completed' AND deleted_at IS NULL
        GROUP BY 1, 2
      )
      SELECT coalesce(d.customer_id, r.customer_id)::text AS label
      FROM direct d FULL JOIN (SELECT * FROM customer_first_sales WHERE merchant_id = $1) r
        ON r.customer_id = d.customer_id AND r.location_id = d.location_id
      WHERE d.first_date IS DISTINCT FROM r.first_date`,
  },
  {
    problem: "store-days still marked stale for the report rollups",
    sql: `SELECT business_date::text AS label FROM report_rollup_stale WHERE merchant_id = $1`,
  },
  {
    problem: "sales that name an original transaction",
    sql: `SELECT pos_id AS label FROM transactions WHERE merchant_id = $1 AND kind = 'sale' AND original_transaction_id IS NOT NULL`,
  },
  {
    problem: "refunds returning more of a sku than the sale sold",
    sql: `SELECT s.pos_id || ' ' || sl.sku AS label
          FROM transactions s JOIN line_items sl ON sl.transaction_id = s.id
          JOIN (
            SELECT r.original_transaction_id, rl.sku, -sum(rl.quantity) AS returned
            FROM transactions r JOIN line_items rl ON rl.transaction_id = r.id
            WHERE r.merchant_id = $1 AND r.kind = 'refund' GROUP BY 1, 2
          ) back ON back.original_transaction_id = s.id AND back.sku = sl.sku
          WHERE s.merchant_id = $1 AND back.returned > sl.quantity`,
  },
  {
    problem: "refunds with a positive total, or sales with a negative one",
    sql: `SELECT pos_id AS label FROM transactions
          WHERE merchant_id = $1 AND ((kind = 'refund' AND (total > 0 OR subtotal >= 0)) OR (kind = 'sale' AND (total < 0 OR subtotal <= 0)))`,
  },
  {
    problem: "voided status and voided_at disagree, or voided before the sale",
    sql: `SELECT pos_id AS label FROM transactions WHERE merchant_id = $1
          AND ((status = 'voided') <> (voided_at IS NOT NULL) OR voided_at < transacted_at)`,
  },
  {
    problem: "inventory with unit_cost >= sale_price, msrp < sale_price, or in_stock not matching quantity",
    sql: `SELECT id::text AS label FROM inventory_items WHERE merchant_id = $1
          AND (unit_cost >= sale_price OR msrp < sale_price OR in_stock <> (quantity > 0) OR quantity < 0)`,
  },
  {
    problem: "emails not lower-cased",
    sql: `SELECT pos_user AS label FROM customers WHERE merchant_id = $1 AND email <> lower(email)`,
  },
  {
    problem: "phones not in E.164 (+1 and ten digits)",
    sql: `SELECT pos_user AS label FROM customers WHERE merchant_id = $1 AND phone !~ '^\\+1[2-9][0-9]{9}$'`,
  },
  {
    problem: "loyalty opt-in without the time it changed",
    sql: `SELECT pos_user AS label FROM customers WHERE merchant_id = $1 AND loyalty_opt_in AND loyalty_changed_at IS NULL`,
  },
  {
    problem: "sales to customers under 21 at the time of the sale",
    sql: `SELECT t.pos_id AS label FROM transactions t JOIN customers c ON c.id = t.customer_id
          WHERE t.merchant_id = $1 AND c.birthday + interval '21 years' > t.business_date`,
  },
  {
    problem: "online receipts without a customer",
    sql: `SELECT pos_id AS label FROM transactions WHERE merchant_id = $1 AND channel = 'online' AND customer_id IS NULL`,
  },
];

const EXAMPLES = 3;

export async function checkSeedConsistency(pool: pg.Pool, merchantId: string): Promise<string[]> {
  const problems: string[] = [];
  for (const check of CHECKS) {
    const { rows } = await pool.query<{ label: string; n: string }>(
      `SELECT label, count(*) OVER () AS n FROM (${check.sql}) offending LIMIT ${EXAMPLES}`,
      [merchantId],
    );
    if (rows.length > 0) problems.push(`${rows[0]!.n} ${check.problem} (e.g. ${rows.map((r) => r.label).join(", ")})`);
  }

  // Phone validity is libphonenumber's call (as the API's own normalisation makes it), not a regex.
  const { rows: phones } = await pool.query<{ phone: string }>(
    "SELECT DISTINCT phone FROM customers WHERE merchant_id = $1 AND phone IS NOT NULL",
    [merchantId],
  );
  const invalid = phones.filter((p) => !isValidPhoneNumber(p.phone));
  if (invalid.length > 0) {
    problems.push(
      `${invalid.length} phones libphonenumber-js rejects (e.g. ${invalid
        .slice(0, EXAMPLES)
        .map((p) => p.phone)
        .join(", ")})`,
    );
  }
  return problems;
}
