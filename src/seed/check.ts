// Invariants that seeded data must hold, checked in SQL over one merchant: receipt totals equal
// the sums of their lines to the cent, refunds never return more than was sold, business dates
// are local dates, inventory prices make sense, contacts are normalised. Returns the problems
// found (empty when consistent), so a test can assert on the list and print it when it fails.
// The price checks compare lines with today's inventory, so they hold for freshly seeded data.
import { type RawBuilder, sql } from "kysely";
import { isValidPhoneNumber } from "libphonenumber-js";
import type pg from "pg";
import { columnsOf, qb, type Row, run, type TableName, tenantStatement } from "../db/sql.js";
import { Tenant } from "../db/tenant.js";

/**
 * A table's columns under an alias, as references for a `sql` template (a column not in schema.prisma is a type error).
 */
const refsOf = <T extends TableName>(table: T, alias: string) => {
  const names: Record<string, string> = columnsOf(table, alias);
  return new Proxy({} as { readonly [C in keyof Row<T> & string]: RawBuilder<unknown> }, {
    get: (_target, column) => sql.ref(names[String(column)]!),
  });
};

const t = refsOf("transactions", "t");
/** A refund (r) and its sale (s). */
const r = refsOf("transactions", "r");
const s = refsOf("transactions", "s");
const l = refsOf("line_items", "l");
const li = refsOf("line_items", "li");
const sl = refsOf("line_items", "sl");
const rl = refsOf("line_items", "rl");
const p = refsOf("products", "p");
const i = refsOf("inventory_items", "i");
const loc = refsOf("locations", "loc");
const c = refsOf("customers", "c");
const d = refsOf("sales_daily", "d");
const dl = refsOf("sales_daily_lines", "dl");
const m = refsOf("sales_monthly_lines", "m");
const mm = refsOf("sales_monthly_merchant_lines", "mm");
const f = refsOf("customer_first_sales", "f");
const fp = refsOf("customer_first_purchases", "fp");
const stale = refsOf("report_rollup_stale", "st");

interface Check {
  problem: string;
  /** The offending rows' labels (a few are enough to go on), in the merchant's scope (`where`). */
  labels: (where: (alias: string) => RawBuilder<unknown>) => RawBuilder<{ label: string }>;
}

const CHECKS: Check[] = [
  {
    problem: "receipt totals differ from the sums of their lines",
    labels: (where) => sql`
      SELECT ${t.pos_id} AS label FROM transactions t
      JOIN (
        SELECT ${l.transaction_id}, sum(${l.unit_price} * ${l.quantity}) AS subtotal, sum(${l.discount}) AS discount,
               sum(${l.tax}) AS tax, sum(${l.line_total}) AS total, sum(${l.unit_cost} * ${l.quantity}) AS cost,
                 count(*) AS n
        FROM line_items l WHERE ${where("l")} GROUP BY ${l.transaction_id}
      ) sums ON sums.transaction_id = ${t.id}
      WHERE ${where("t")}
        AND (${t.subtotal} <> sums.subtotal OR ${t.discount_total} <> sums.discount OR ${t.tax_total} <> sums.tax
             OR ${t.total} <> sums.total OR ${t.cost_total} IS DISTINCT FROM sums.cost)`,
  },
  {
    problem: "receipts without lines",
    labels: (where) => sql`SELECT ${t.pos_id} AS label FROM transactions t
          WHERE ${where("t")} AND NOT EXISTS (SELECT 1 FROM line_items l WHERE ${l.transaction_id} = ${t.id})`,
  },
  {
    problem: "lines whose line_total is not unit_price * quantity - discount + tax",
    labels: (where) => sql`SELECT ${l.transaction_id} || '#' || ${l.line_number} AS label FROM line_items l
          WHERE ${where("l")} AND ${l.line_total} <> round(${l.unit_price} * ${l.quantity} - ${l.discount} + ${l.tax},
            2)`,
  },
  {
    problem: "sale lines with a quantity <= 0, or refund lines with a quantity >= 0",
    labels: (
      where,
    ) => sql`SELECT ${t.pos_id} AS label FROM transactions t JOIN line_items l ON ${l.transaction_id} = ${t.id}
          WHERE ${where("t")} AND ((${t.kind} = 'sale' AND ${l.quantity} <= 0) OR (${t.kind} = 'refund'
            AND ${l.quantity} >= 0))`,
  },
  {
    problem: "lines whose product fields differ from their product",
    labels: (where) => sql`SELECT ${l.transaction_id} || '#' || ${l.line_number} AS label
          FROM line_items l JOIN products p ON ${p.id} = ${l.product_id}
          WHERE ${where("l")} AND (${l.sku} <> ${p.sku} OR ${l.name} <> ${p.name}
            OR ${l.brand} IS DISTINCT FROM ${p.brand}
            OR ${l.category} IS DISTINCT FROM ${p.category}
              OR ${l.parent_category} IS DISTINCT FROM ${p.parent_category}
            OR ${l.size} IS DISTINCT FROM ${p.size} OR ${l.strain} IS DISTINCT FROM ${p.strain}
            OR ${l.grade} IS DISTINCT FROM ${p.grade} OR ${l.species} IS DISTINCT FROM ${p.species}
            OR ${l.pos_product_id} IS DISTINCT FROM ${p.pos_product_id})`,
  },
  {
    problem: "lines whose unit price or cost differ from the store's inventory",
    labels: (where) => sql`SELECT ${l.transaction_id} || '#' || ${l.line_number} AS label FROM line_items l
          JOIN transactions t ON ${t.id} = ${l.transaction_id}
          LEFT JOIN inventory_items i ON ${i.location_id} = ${t.location_id} AND ${i.product_id} = ${l.product_id}
          WHERE ${where("l")}
            AND (${i.id} IS NULL OR ${l.unit_price} <> ${i.sale_price}
              OR ${l.unit_cost} IS DISTINCT FROM ${i.unit_cost})`,
  },
  {
    problem: "business_date is not the local date of transacted_at",
    labels: (
      where,
    ) => sql`SELECT ${t.pos_id} AS label FROM transactions t JOIN locations loc ON ${loc.id} = ${t.location_id}
          WHERE ${where("t")} AND ${t.business_date} <> (${t.transacted_at} AT TIME ZONE ${loc.time_zone})::date`,
  },
  {
    problem: "receipts outside business hours (06:00-24:00 local)",
    labels: (
      where,
    ) => sql`SELECT ${t.pos_id} AS label FROM transactions t JOIN locations loc ON ${loc.id} = ${t.location_id}
          WHERE ${where("t")} AND extract(hour FROM ${t.transacted_at} AT TIME ZONE ${loc.time_zone}) < 6`,
  },
  {
    problem: "refunds not linked to an earlier sale of the same store and customer",
    labels: (where) => sql`SELECT ${r.pos_id} AS label FROM transactions r
          LEFT JOIN transactions s ON ${s.id} = ${r.original_transaction_id}
          WHERE ${where("r")} AND ${r.kind} = 'refund'
            AND (${s.id} IS NULL OR ${s.kind} <> 'sale' OR ${s.merchant_id} <> ${r.merchant_id}
                 OR ${s.location_id} <> ${r.location_id} OR ${s.customer_id} IS DISTINCT FROM ${r.customer_id}
                 OR ${r.transacted_at} <= ${s.transacted_at} OR ${s.status} <> 'completed')`,
  },
  {
    problem: "store-days whose sales rollups differ from their receipts' lines",
    labels: (where) => sql`
      WITH direct AS (
        SELECT ${t.location_id}, ${t.business_date},
          count(DISTINCT ${t.id}) FILTER (WHERE ${t.kind} = 'sale') AS receipts,
               sum(round(${li.unit_price} * ${li.quantity}, 2)) AS gross, sum(${li.discount}) AS discount,
               sum(${li.tax}) AS tax, coalesce(sum(round(${li.unit_cost} * ${li.quantity}, 4)), 0) AS cost
        FROM transactions t JOIN line_items li ON ${li.transaction_id} = ${t.id}
        WHERE ${where("t")} AND ${t.status} = 'completed' AND ${t.deleted_at} IS NULL
        GROUP BY 1, 2
      ), rolled AS (
        SELECT ${d.location_id}, ${d.business_date}, sum(${d.receipts}) FILTER (WHERE ${d.is_sale}) AS receipts,
               sum(${d.gross}) AS gross, sum(${d.discount}) AS discount, sum(${d.tax}) AS tax, sum(${d.cost}) AS cost
        FROM sales_daily d WHERE ${where("d")} GROUP BY 1, 2
      )
      SELECT coalesce(x.business_date, y.business_date)::text AS label
      FROM direct x FULL JOIN rolled y ON y.location_id = x.location_id AND y.business_date = x.business_date
      WHERE (x.receipts, x.gross, x.discount, x.tax, x.cost)
            IS DISTINCT FROM (coalesce(y.receipts, 0), y.gross, y.discount, y.tax, y.cost)`,
  },
  {
    problem: "store-months whose sales_monthly_lines differ from the sum of their sales_daily_lines",
    labels: (where) => sql`
      WITH days AS (
        SELECT ${dl.location_id}, date_trunc('month', ${dl.business_date}::timestamp)::date AS month, ${dl.dimension},
               ${dl.group_key}, ${dl.is_sale}, max(${dl.group_name}) AS group_name, sum(${dl.receipts}) AS receipts,
               sum(${dl.units}) AS units, sum(${dl.gross}) AS gross, sum(${dl.discount}) AS discount,
                 sum(${dl.tax}) AS tax,
               sum(${dl.cost}) AS cost, sum(${dl.lines_without_cost}) AS lines_without_cost
        FROM sales_daily_lines dl WHERE ${where("dl")} GROUP BY 1, 2, 3, 4, 5
      )
      SELECT DISTINCT coalesce(x.month, ${m.month})::text AS label
      FROM days x FULL JOIN (SELECT * FROM sales_monthly_lines m WHERE ${where("m")}) m
        ON ${m.location_id} = x.location_id AND ${m.month} = x.month AND ${m.dimension} = x.dimension
        AND ${m.group_key} IS NOT DISTINCT FROM x.group_key AND ${m.is_sale} = x.is_sale
      WHERE (x.group_name, x.receipts, x.units, x.gross, x.discount, x.tax, x.cost, x.lines_without_cost)
            IS DISTINCT FROM (${m.group_name}, ${m.receipts}, ${m.units}, ${m.gross}, ${m.discount}, ${m.tax},
              ${m.cost},
                              ${m.lines_without_cost})`,
  },
  {
    problem: "merchant-months whose sales_monthly_merchant_lines differ from the sum of their sales_monthly_lines",
    labels: (where) => sql`
      WITH stores AS (
        SELECT ${m.month}, ${m.dimension}, ${m.group_key}, ${m.is_sale}, max(${m.group_name}) AS group_name,
               sum(${m.receipts}) AS receipts, sum(${m.units}) AS units, sum(${m.gross}) AS gross,
               sum(${m.discount}) AS discount, sum(${m.tax}) AS tax, sum(${m.cost}) AS cost,
               sum(${m.lines_without_cost}) AS lines_without_cost
        FROM sales_monthly_lines m WHERE ${where("m")} GROUP BY 1, 2, 3, 4
      )
      SELECT DISTINCT coalesce(x.month, ${mm.month})::text AS label
      FROM stores x FULL JOIN (SELECT * FROM sales_monthly_merchant_lines mm WHERE ${where("mm")}) mm
        ON ${mm.month} = x.month AND ${mm.dimension} = x.dimension
        AND ${mm.group_key} IS NOT DISTINCT FROM x.group_key AND ${mm.is_sale} = x.is_sale
      WHERE (x.group_name, x.receipts, x.units, x.gross, x.discount, x.tax, x.cost, x.lines_without_cost)
            IS DISTINCT FROM (${mm.group_name}, ${mm.receipts}, ${mm.units}, ${mm.gross}, ${mm.discount}, ${mm.tax},
              ${mm.cost}, ${mm.lines_without_cost})`,
  },
  {
    problem: "customers whose first sale at a store differs from the customer_first_sales rollup",
    labels: (where) => sql`
      WITH direct AS (
        SELECT ${t.customer_id}, ${t.location_id}, min(${t.business_date}) AS first_date FROM transactions t
        WHERE ${where("t")} AND ${t.customer_id} IS NOT NULL AND ${t.kind} = 'sale' AND ${t.status} = 'completed'
          AND ${t.deleted_at} IS NULL
        GROUP BY 1, 2
      )
      SELECT coalesce(x.customer_id, ${f.customer_id})::text AS label
      FROM direct x FULL JOIN (SELECT * FROM customer_first_sales f WHERE ${where("f")}) f
        ON ${f.customer_id} = x.customer_id AND ${f.location_id} = x.location_id
      WHERE x.first_date IS DISTINCT FROM ${f.first_date}`,
  },
  {
    problem: "customers whose first purchase at any store differs from the customer_first_purchases rollup",
    labels: (where) => sql`
      WITH direct AS (
        SELECT ${t.customer_id}, min(${t.business_date}) AS first_date FROM transactions t
        WHERE ${where("t")} AND ${t.customer_id} IS NOT NULL AND ${t.kind} = 'sale' AND ${t.status} = 'completed'
          AND ${t.deleted_at} IS NULL
        GROUP BY 1
      )
      SELECT coalesce(x.customer_id, ${fp.customer_id})::text AS label
      FROM direct x FULL JOIN (SELECT * FROM customer_first_purchases fp WHERE ${where("fp")}) fp
        ON ${fp.customer_id} = x.customer_id
      WHERE x.first_date IS DISTINCT FROM ${fp.first_date}`,
  },
  {
    problem: "store-days still marked stale for the report rollups",
    labels: (where) =>
      sql`SELECT ${stale.business_date}::text AS label FROM report_rollup_stale st WHERE ${where("st")}`,
  },
  {
    problem: "sales that name an original transaction",
    labels: (where) => sql`SELECT ${t.pos_id} AS label FROM transactions t
          WHERE ${where("t")} AND ${t.kind} = 'sale' AND ${t.original_transaction_id} IS NOT NULL`,
  },
  {
    problem: "refunds returning more of a sku than the sale sold",
    labels: (where) => sql`SELECT ${s.pos_id} || ' ' || ${sl.sku} AS label
          FROM transactions s JOIN line_items sl ON ${sl.transaction_id} = ${s.id}
          JOIN (
            SELECT ${r.original_transaction_id}, ${rl.sku}, -sum(${rl.quantity}) AS returned
            FROM transactions r JOIN line_items rl ON ${rl.transaction_id} = ${r.id}
            WHERE ${where("r")} AND ${r.kind} = 'refund' GROUP BY 1, 2
          ) back ON back.original_transaction_id = ${s.id} AND back.sku = ${sl.sku}
          WHERE ${where("s")} AND back.returned > ${sl.quantity}`,
  },
  {
    problem: "refunds with a positive total, or sales with a negative one",
    labels: (where) => sql`SELECT ${t.pos_id} AS label FROM transactions t
          WHERE ${where("t")} AND ((${t.kind} = 'refund' AND (${t.total} > 0 OR ${t.subtotal} >= 0))
            OR (${t.kind} = 'sale' AND (${t.total} < 0 OR ${t.subtotal} <= 0)))`,
  },
  {
    problem: "voided status and voided_at disagree, or voided before the sale",
    labels: (where) => sql`SELECT ${t.pos_id} AS label FROM transactions t WHERE ${where("t")}
          AND ((${t.status} = 'voided') <> (${t.voided_at} IS NOT NULL) OR ${t.voided_at} < ${t.transacted_at})`,
  },
  {
    problem: "inventory with unit_cost >= sale_price, msrp < sale_price, or in_stock not matching quantity",
    labels: (where) => sql`SELECT ${i.id}::text AS label FROM inventory_items i WHERE ${where("i")}
          AND (${i.unit_cost} >= ${i.sale_price} OR ${i.msrp} < ${i.sale_price} OR ${i.in_stock} <> (${i.quantity} > 0)
               OR ${i.quantity} < 0)`,
  },
  {
    problem: "emails not lower-cased",
    labels: (where) =>
      sql`SELECT ${c.pos_user} AS label FROM customers c WHERE ${where("c")} AND ${c.email} <> lower(${c.email})`,
  },
  {
    problem: "phones not in E.164 (+1 and ten digits)",
    labels: (where) =>
      sql`SELECT ${c.pos_user} AS label FROM customers c WHERE ${where("c")}
        AND ${c.phone} !~ ${"^\\+1[2-9][0-9]{9}$"}`,
  },
  {
    problem: "loyalty opt-in without the time it changed",
    labels: (where) => sql`SELECT ${c.pos_user} AS label FROM customers c
          WHERE ${where("c")} AND ${c.loyalty_opt_in} AND ${c.loyalty_changed_at} IS NULL`,
  },
  {
    problem: "sales to customers under 21 at the time of the sale",
    labels: (
      where,
    ) => sql`SELECT ${t.pos_id} AS label FROM transactions t JOIN customers c ON ${c.id} = ${t.customer_id}
          WHERE ${where("t")} AND ${c.birthday} + interval '21 years' > ${t.business_date}`,
  },
  {
    problem: "online receipts without a customer",
    labels: (where) => sql`SELECT ${t.pos_id} AS label FROM transactions t
          WHERE ${where("t")} AND ${t.channel} = 'online' AND ${t.customer_id} IS NULL`,
  },
];

const EXAMPLES = 3;

export async function checkSeedConsistency(pool: pg.Pool, merchantId: string): Promise<string[]> {
  const tenant = new Tenant(merchantId);
  const where = (alias: string) => tenant.where(alias);
  const problems: string[] = [];
  for (const check of CHECKS) {
    const rows = await run(
      pool,
      tenantStatement(
        tenant,
        sql<{ label: string; n: string }>`SELECT label, count(*) OVER () AS n FROM (${check.labels(where)}) offending
          LIMIT ${EXAMPLES}`,
      ),
    );
    if (rows.length > 0) problems.push(`${rows[0]!.n} ${check.problem} (e.g. ${rows.map((r) => r.label).join(", ")})`);
  }

  // Phone validity is libphonenumber's call (as the API's own normalisation makes it), not a regex.
  const phones = await run(
    pool,
    tenantStatement(
      tenant,
      qb
        .selectFrom("customers as c")
        .select("c.phone")
        .distinct()
        .where(tenant.where("c"))
        .where("c.phone", "is not", null),
    ),
  );
  const invalid = phones.filter((row) => !isValidPhoneNumber(row.phone!));
  if (invalid.length > 0) {
    problems.push(
      `${invalid.length} phones libphonenumber-js rejects (e.g. ${invalid
        .slice(0, EXAMPLES)
        .map((row) => row.phone)
        .join(", ")})`,
    );
  }
  return problems;
}
