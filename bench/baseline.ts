// The raw-SQL baselines of a page of transactions: the same page (the same records, with their lines,
// as UTF-8 JSON bytes ready to send) read through `pg` in the bench's own process, without HTTP,
// Express, authentication, rate limits, the feed's horizon or cursors. Two honest ways to do it:
// - "pg-json": the API's own page SQL (PostgreSQL renders every record as JSON, its lines from the receipt's kept
//   text on a large page), the records' texts encoded into the page's bytes by the service's own TransactionPage as
//   each row arrives (joining the strings first costs several times more: records hold non-ASCII
//   text, so V8 joins and encodes them as two-byte strings), and on a large page the lines' products and stock looked
//   up and filled in, as the service does;
// - "node-json": a hand-written join returning one flat row per line (numbers as exact text), grouped
//   and rendered with JSON.stringify in Node, then encoded.
// Both run as prepared statements, as the API's do. The faster of the two, per page, is the baseline
// the API is held to. checkSameData proves both
// return exactly the API's records.
import { deepStrictEqual } from "node:assert/strict";
import type pg from "pg";
import { walkOf } from "../src/db/paging.js";
import { runEach } from "../src/db/sql.js";
import { tenantOf } from "../src/db/tenant.js";
import type { AuthContext } from "../src/keys/scopes.js";
import { utcText } from "../src/lib/sync-feed.js";
import { transactionListing } from "../src/transactions/list-query.js";
import { readsKeptLines, TransactionPage } from "../src/transactions/read.js";
import { TOTALS_MARGIN, TOTALS_MARGIN_PERCENT } from "../src/transactions/record-sql.js";
import { rawLine, rawTransaction } from "./raw-columns.js";

export interface PageSpec {
  merchantId: string;
  /** Serve rows after this (updated_at as RFC 3339 text, id); null: from the start. */
  after: [string, string] | null;
  /** The change-time bound (rows with updated_at below it). */
  upper: string;
  limit: number;
}

/** The bare server's path serving `spec` through HTTP (bench/bare-server.ts, GET /bench/page). */
export function barePagePath(spec: PageSpec): string {
  const query = new URLSearchParams({ merchant: spec.merchantId, upper: spec.upper, limit: String(spec.limit) });
  if (spec.after) {
    query.set("after_at", spec.after[0]);
    query.set("after_id", spec.after[1]);
  }
  return `/bench/page?${query}`;
}

/** The page barePagePath names. */
export function pageSpecOf(query: URLSearchParams): PageSpec {
  const at = query.get("after_at");
  const id = query.get("after_id");
  return {
    merchantId: query.get("merchant") ?? "",
    upper: query.get("upper") ?? "",
    limit: Number(query.get("limit")),
    after: at && id ? [at, id] : null,
  };
}

export type Baseline = (pool: pg.Pool, spec: PageSpec) => Promise<Buffer>;

/** The bench's stand-in for a key of the whole merchant (queries and cursors only read the merchant and locations). */
export const benchAuth = (merchantId: string): AuthContext => ({
  keyId: "bench",
  merchantId,
  scopes: ["transactions:read"],
  locationIds: null,
  environment: "test",
});

/**
 * The API's page SQL, its JSON records joined into `{"data":[…]}`, as the service does (transactions/read.ts): each
 * record encoded into the body as its row arrives; on a page large enough (readsKeptLines), its kept lines' products
 * and stock looked up after the rows in one more statement and filled in.
 */
export const pgJsonBaseline: Baseline = async (pool, spec) => {
  const tenant = tenantOf(benchAuth(spec.merchantId));
  const page = new TransactionPage(spec.limit, readsKeptLines("standard", spec.limit));
  const walk = walkOf(
    transactionListing,
    tenant,
    {},
    { format: "standard", oneLine: false, keptLines: page.keptLines },
  );
  const statement = walk.statement({ after: spec.after, upper: spec.upper, take: spec.limit + 1 });
  const rows = await runEach(pool, statement, (row, index) => page.add(row, index));
  return page.finish(pool, tenant, { has_more: rows.length > spec.limit });
};

const NODE_SQL = `
WITH page AS (
  SELECT t.id, t.updated_at
  FROM transactions t
  WHERE t.merchant_id = $1 AND t.updated_at < $2::timestamptz
    AND ($3::timestamptz IS NULL OR (t.updated_at, t.id) > ($3::timestamptz, $4::uuid))
  ORDER BY t.updated_at, t.id
  LIMIT $5
)
SELECT
  t.id, t.pos_id, l.id AS l_id, l.pos_id AS l_pos_id, l.name AS l_name, l.time_zone AS l_time_zone,
  to_char(t.business_date, 'YYYY-MM-DD') AS business_date, ${utcText("t.transacted_at")} AS transacted_at,
  t.channel, t.kind, t.status, ${utcText("t.voided_at")} AS voided_at,
  o.id AS o_id, o.pos_id AS o_pos_id,
  c.id AS c_id, c.pos_user, c.first_name AS c_first_name, c.last_name AS c_last_name, c.phone, c.email,
  e.id AS e_id, e.pos_id AS e_pos_id, concat_ws(' ', e.first_name, e.last_name) AS e_name,
  t.subtotal::text AS subtotal, t.discount_total::text AS discount_total, t.tax_total::text AS tax_total,
    t.total::text AS total,
  t.cost_total::text AS cost_total, ${TOTALS_MARGIN}::text AS margin, ${TOTALS_MARGIN_PERCENT}::text AS margin_percent,
  ${utcText("t.deleted_at")} AS deleted_at, ${utcText("t.created_at")} AS created_at,
    ${utcText("t.updated_at")} AS updated_at,
  li.line_number, li.sku, lp.product_id, li.pos_product_id, li.name, li.brand, li.category, li.parent_category,
  li.size, li.strain, li.grade, li.species, li.unit_price::text AS unit_price, li.quantity::text AS quantity,
  li.discount::text AS discount, li.tax::text AS tax, li.line_total::text AS line_total,
    li.unit_cost::text AS unit_cost,
  m.line_cost::text AS line_cost, m.margin::text AS line_margin, m.margin_percent::text AS line_margin_percent,
  inv.quantity::text AS stock_on_hand
FROM page
JOIN transactions t ON t.id = page.id
JOIN locations l ON l.id = t.location_id
LEFT JOIN customers c ON c.id = t.customer_id
LEFT JOIN employees e ON e.id = t.employee_id
LEFT JOIN transactions o ON o.id = t.original_transaction_id
LEFT JOIN line_items li ON li.transaction_id = t.id
LEFT JOIN LATERAL (
  SELECT coalesce(li.product_id, (SELECT p.id FROM products p WHERE p.merchant_id = li.merchant_id AND p.sku = li.sku))
    AS product_id
) lp ON true
LEFT JOIN inventory_items inv ON inv.location_id = t.location_id AND inv.product_id = lp.product_id
  AND inv.deleted_at IS NULL
LEFT JOIN LATERAL (SELECT round(li.unit_price * li.quantity, 2) - li.discount AS net, round(li.unit_cost * li.quantity,
  4) AS line_cost) n ON true
LEFT JOIN LATERAL (
  SELECT n.line_cost, n.net - n.line_cost AS margin,
         CASE WHEN n.net = 0 THEN NULL ELSE round((n.net - n.line_cost) / n.net * 100, 2) END AS margin_percent
) m ON true
ORDER BY page.updated_at, page.id, li.line_number`;

type FlatRow = Record<string, string | number | null>;

/** One flat row per line, grouped into records in Node and rendered by JSON.stringify. */
export const nodeJsonBaseline: Baseline = async (pool, spec) => {
  const { rows } = await pool.query<FlatRow>({
    name: "bench-node-json",
    text: NODE_SQL,
    values: [spec.merchantId, spec.upper, spec.after?.[0] ?? null, spec.after?.[1] ?? null, spec.limit + 1],
  });
  const records: object[] = [];
  let current: { id: unknown; line_items: object[] } | null = null;
  for (const r of rows) {
    if (!current || current.id !== r.id) {
      if (records.length === spec.limit + 1) break;
      current = {
        id: r.id,
        pos_id: r.pos_id,
        location: { id: r.l_id, pos_id: r.l_pos_id, name: r.l_name, time_zone: r.l_time_zone },
        business_date: r.business_date,
        transacted_at: r.transacted_at,
        channel: r.channel,
        kind: r.kind,
        status: r.status,
        voided_at: r.voided_at,
        original_transaction: r.o_id === null ? null : { id: r.o_id, pos_id: r.o_pos_id },
        customer:
          r.c_id === null
            ? null
            : {
                id: r.c_id,
                pos_user: r.pos_user,
                first_name: r.c_first_name,
                last_name: r.c_last_name,
                phone: r.phone,
                email: r.email,
              },
        employee: r.e_id === null ? null : { id: r.e_id, pos_id: r.e_pos_id, name: r.e_name },
        totals: {
          subtotal: r.subtotal,
          discount: r.discount_total,
          tax: r.tax_total,
          total: r.total,
          cost: r.cost_total,
          margin: r.margin,
          margin_percent: r.margin_percent,
        },
        line_items: [],
        deleted_at: r.deleted_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
      } as { id: unknown; line_items: object[] };
      records.push(current);
    }
    if (r.line_number === null) continue;
    current.line_items.push({
      line_number: r.line_number,
      sku: r.sku,
      product_id: r.product_id,
      pos_product_id: r.pos_product_id,
      name: r.name,
      brand: r.brand,
      category: r.category,
      parent_category: r.parent_category,
      size: r.size,
      strain: r.strain,
      grade: r.grade,
      species: r.species,
      unit_price: r.unit_price,
      quantity: r.quantity,
      discount: r.discount,
      tax: r.tax,
      line_total: r.line_total,
      unit_cost: r.unit_cost,
      line_cost: r.line_cost,
      margin: r.line_margin,
      margin_percent: r.line_margin_percent,
      stock_on_hand: r.stock_on_hand,
    });
  }
  const hasMore = records.length > spec.limit;
  return Buffer.from(JSON.stringify({ data: records.slice(0, spec.limit), has_more: hasMore }));
};

export const BASELINES: Record<string, Baseline> = { "pg-json": pgJsonBaseline, "node-json": nodeJsonBaseline };

// The floor: the same receipts and their lines as plain rows, no JSON and no joins beyond the keys,
// read as text (no type parsing in Node) by one prepared statement. Nothing that serves the page can
// be cheaper than reading its rows; every page is also reported as a ratio to this.
const FLOOR_SQL = `
WITH page AS (
  SELECT ${rawTransaction("t")}
  FROM transactions t
  WHERE t.merchant_id = $1 AND t.updated_at < $2::timestamptz
    AND ($3::timestamptz IS NULL OR (t.updated_at, t.id) > ($3::timestamptz, $4::uuid))
  ORDER BY t.updated_at, t.id
  LIMIT $5
)
SELECT page.*, ${rawLine("li")}
FROM page LEFT JOIN line_items li ON li.transaction_id = page.id
ORDER BY page.updated_at, page.id, li.line_number`;

const asText = { getTypeParser: () => (value: string) => value };

/** The page's receipts and lines as flat rows (arrays of text); how many receipts and lines. */
export async function flatFloor(pool: pg.Pool, spec: PageSpec): Promise<{ receipts: number; lines: number }> {
  const { rows } = await pool.query<unknown[]>({
    name: "bench-floor",
    text: FLOOR_SQL,
    values: [spec.merchantId, spec.upper, spec.after?.[0] ?? null, spec.after?.[1] ?? null, spec.limit],
    rowMode: "array",
    types: asText,
  });
  let receipts = 0;
  let last: unknown = null;
  for (const row of rows) {
    if (row[0] !== last) receipts++;
    last = row[0];
  }
  return { receipts, lines: rows.length };
}

/**
 * Throws unless every baseline returns exactly the records of the API's page (its `data`), and the bare
 * server's page (`bareBody`) is byte for byte the pg-json baseline's.
 */
export async function checkSameData(pool: pg.Pool, spec: PageSpec, apiBody: string, bareBody: Buffer): Promise<void> {
  if (!bareBody.equals(await pgJsonBaseline(pool, spec)))
    throw new Error(`the bare server's page (${spec.limit} rows after ${JSON.stringify(spec.after)}) is not pg-json's`);
  const api = (JSON.parse(apiBody) as { data: unknown[] }).data;
  for (const [name, baseline] of Object.entries(BASELINES)) {
    const data = (JSON.parse((await baseline(pool, spec)).toString("utf8")) as { data: unknown[] }).data;
    try {
      deepStrictEqual(data, api);
    } catch (error) {
      throw new Error(
        `baseline ${name} does not return the API's page (${spec.limit} rows after ${JSON.stringify(spec.after)}): ` +
          `${(error as Error).message.slice(0, 2000)}`,
      );
    }
  }
  // The floor reads the same receipts (and no fewer rows than they have lines).
  const floor = await flatFloor(pool, spec);
  const lines = (api as { line_items: unknown[] }[]).reduce((sum, r) => sum + Math.max(1, r.line_items.length), 0);
  if (floor.receipts !== Math.min(api.length, spec.limit) || floor.lines !== lines) {
    throw new Error(
      `the floor read ${floor.receipts} receipts in ${floor.lines} rows, the API's page ${api.length} receipts in ` +
        `${lines}`,
    );
  }
}
