// 5: writes. Receipts made from the dataset's own stores, products, customers and budtenders (new
// pos_ids, so every write creates), sent through POST /v1/transactions/batch (its documented
// maximum of receipts per call) and through single PUTs, at a few concurrencies; receipts and line
// items per second. The bench's receipts are deleted afterwards (and before, after a cut run), so
// the dataset stays the same run after run.
import type pg from "pg";
import { MAX_BATCH_RECEIPTS } from "../src/transactions/write-schemas.js";
import type { SuiteContext } from "./context.js";
import { BenchClient } from "./http.js";
import { startPgProxy } from "./pg-proxy.js";
import { startServer } from "./server.js";

/** Every receipt the bench writes has a pos_id starting with this. */
export const BENCH_POS_PREFIX = "bench-w-";
/** And every key it makes is named so. */
export const BENCH_KEY_NAME = "bench run";

export interface WriteRun {
  api: "batch" | "put";
  concurrency: number;
  /** Receipts per call. */
  perCall: number;
  receipts: number;
  lines: number;
  seconds: number;
  receiptsPerSecond: number;
  linesPerSecond: number;
  errors: number;
}

interface Catalog {
  stores: string[];
  products: { sku: string; name: string; brand: string | null; category: string | null; price: string }[];
  customers: string[];
  employees: string[];
}

async function loadCatalog(pool: pg.Pool, merchantId: string): Promise<Catalog> {
  const q = <T extends pg.QueryResultRow>(sql: string) => pool.query<T>(sql, [merchantId]).then((r) => r.rows);
  const [stores, products, customers, employees] = await Promise.all([
    q<{ pos_id: string }>("SELECT pos_id FROM locations WHERE merchant_id = $1 ORDER BY pos_id"),
    q<Catalog["products"][number]>(
      `SELECT p.sku, p.name, p.brand, p.category, coalesce(max(i.sale_price), 10)::numeric(12,2)::text AS price
       FROM products p LEFT JOIN inventory_items i ON i.product_id = p.id
       WHERE p.merchant_id = $1 AND NOT p.archived GROUP BY p.id ORDER BY p.sku LIMIT 500`,
    ),
    q<{ pos_user: string }>("SELECT pos_user FROM customers WHERE merchant_id = $1 ORDER BY pos_user LIMIT 2000"),
    q<{ pos_id: string }>("SELECT pos_id FROM employees WHERE merchant_id = $1 ORDER BY pos_id"),
  ]);
  return {
    stores: stores.map((r) => r.pos_id),
    products,
    customers: customers.map((r) => r.pos_user),
    employees: employees.map((r) => r.pos_id),
  };
}

/** A deterministic stream of new sales, about 3 lines each, like the seeded ones. */
function receiptMaker(catalog: Catalog, runId: string) {
  let n = 0;
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
  return () => {
    n++;
    const lineCount = 1 + Math.floor(next() * 5); // 1..5, 3 on average
    const lines = Array.from({ length: lineCount }, () => {
      const p = pick(catalog.products);
      return {
        sku: p.sku,
        name: p.name,
        brand: p.brand,
        category: p.category,
        unit_price: p.price,
        quantity: String(1 + Math.floor(next() * 3)),
        discount: "0.00",
        tax: "1.25",
      };
    });
    return {
      pos_id: `${BENCH_POS_PREFIX}${runId}-${n}`,
      location_pos_id: pick(catalog.stores),
      ...(next() < 0.85 && catalog.customers.length ? { customer_pos_user: pick(catalog.customers) } : {}),
      ...(catalog.employees.length ? { employee_pos_id: pick(catalog.employees) } : {}),
      channel: next() < 0.8 ? "in_store" : "online",
      transacted_at: new Date(Date.now() - Math.floor(next() * 86_400_000)).toISOString(),
      lines,
    };
  };
}

type Receipt = ReturnType<ReturnType<typeof receiptMaker>>;

/** Runs `worker` on `concurrency` lanes until `seconds` have passed; each call returns receipts and lines written. */
async function timedLanes(
  concurrency: number,
  seconds: number,
  worker: () => Promise<{ receipts: number; lines: number; errors: number }>,
) {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const total = { receipts: 0, lines: 0, errors: 0 };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const done = await worker();
        total.receipts += done.receipts;
        total.lines += done.lines;
        total.errors += done.errors;
      }
    }),
  );
  return { ...total, seconds: (performance.now() - started) / 1000 };
}

const linesOf = (receipts: Receipt[]) => receipts.reduce((sum, r) => sum + r.lines.length, 0);

export async function measureWrites(ctx: SuiteContext, runId: string): Promise<WriteRun[]> {
  const make = receiptMaker(await loadCatalog(ctx.pool, ctx.merchantId), runId);
  const runs: WriteRun[] = [];
  const record = (run: Omit<WriteRun, "receiptsPerSecond" | "linesPerSecond">) => {
    const full = { ...run, receiptsPerSecond: run.receipts / run.seconds, linesPerSecond: run.lines / run.seconds };
    ctx.log(
      `  ${run.api === "batch" ? `batch of ${run.perCall}` : "single PUT"}, ${run.concurrency} at once: ` +
        `${Math.round(full.receiptsPerSecond).toLocaleString("en-US")} receipts/s, ` +
        `${Math.round(full.linesPerSecond).toLocaleString("en-US")} ` +
        `lines/s${run.errors ? `, ${run.errors} errors` : ""}`,
    );
    runs.push(full);
  };

  // Warm-up (JIT, plans, connections), not counted.
  await ctx.client.request("POST", "/v1/transactions/batch", { receipts: Array.from({ length: 50 }, make) });

  for (const concurrency of [1, 4]) {
    const perCall = MAX_BATCH_RECEIPTS;
    const done = await timedLanes(concurrency, ctx.options.seconds, async () => {
      const receipts = Array.from({ length: perCall }, make);
      const answer = await ctx.client.request("POST", "/v1/transactions/batch", { receipts });
      if (answer.status !== 200) return { receipts: 0, lines: 0, errors: receipts.length };
      const { summary } = JSON.parse(answer.body.toString("utf8")) as { summary: { created: number; error: number } };
      // Every receipt is new and valid: anything but "created" is an error.
      return {
        receipts: summary.created,
        lines: summary.error ? 0 : linesOf(receipts),
        errors: perCall - summary.created,
      };
    });
    record({ api: "batch", concurrency, perCall, ...done });
  }
  for (const concurrency of [1, 8, 32]) {
    const done = await timedLanes(concurrency, ctx.options.seconds, async () => {
      const { pos_id, ...body } = make();
      const answer = await ctx.client.request("PUT", `/v1/transactions/${encodeURIComponent(pos_id)}`, body);
      return answer.status === 201
        ? { receipts: 1, lines: body.lines.length, errors: 0 }
        : { receipts: 0, lines: 0, errors: 1 };
    });
    record({ api: "put", concurrency, perCall: 1, ...done });
  }
  return runs;
}

export interface RoundTrips {
  /** Round trips to PostgreSQL of each timed PUT of a new plain sale (no customer, no employee). */
  perPut: number[];
  median: number;
}

/**
 * Round trips to PostgreSQL of a single PUT of a new plain sale: a server of its own whose
 * DATABASE_URL goes through the bench's counting proxy, warmed up, its feed-lag sampler out of the
 * way, then one PUT at a time.
 */
export async function measureRoundTrips(ctx: SuiteContext, runId: string): Promise<RoundTrips> {
  const catalog = await loadCatalog(ctx.pool, ctx.merchantId);
  const make = receiptMaker({ ...catalog, customers: [], employees: [] }, `${runId}-rt`);
  const proxy = await startPgProxy(ctx.databaseUrl);
  const server = await startServer({
    node: process.execPath,
    databaseUrl: proxy.url,
    cursorSecret: ctx.cursorSecret,
    env: { FEED_LAG_SAMPLE_MS: "3600000" },
  });
  const client = new BenchClient(server.baseUrl, ctx.apiKey);
  try {
    const put = async () => {
      const { pos_id, ...body } = make();
      const answer = await client.request("PUT", `/v1/transactions/${encodeURIComponent(pos_id)}`, body);
      if (answer.status !== 201)
        throw new Error(`a new sale was refused: ${answer.status} ${answer.body.toString("utf8").slice(0, 500)}`);
    };
    for (let i = 0; i < 10; i++) await put();
    const perPut: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = proxy.roundTrips();
      await put();
      perPut.push(proxy.roundTrips() - before);
    }
    const median = [...perPut].sort((a, b) => a - b)[Math.floor(perPut.length / 2)]!;
    ctx.log(`  single PUT of a new plain sale: ${median} round trips to PostgreSQL (each: ${perPut.join(", ")})`);
    return { perPut, median };
  } finally {
    client.close();
    await server.stop();
    await proxy.close();
  }
}

/** Deletes what the bench wrote: its receipts (their lines go with them), audit entries and keys. */
export async function removeBenchWrites(db: pg.Pool | pg.Client, merchantId: string): Promise<void> {
  await db.query("DELETE FROM transactions WHERE merchant_id = $1 AND pos_id LIKE $2", [
    merchantId,
    `${BENCH_POS_PREFIX}%`,
  ]);
  await db.query(
    "DELETE FROM audit_entries WHERE merchant_id = $1 AND api_key_id IN (SELECT id FROM api_keys WHERE name = $2)",
    [merchantId, BENCH_KEY_NAME],
  );
  await db.query("DELETE FROM api_keys WHERE merchant_id = $1 AND name = $2", [merchantId, BENCH_KEY_NAME]);
}
