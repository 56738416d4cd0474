// 6: a customer lookup by phone (GET /v1/customers?phone=…, a different customer each time, in the
// national format a POS would type) and the reports over the last full calendar month (sales by
// day and by each grouping, customers, inventory), then the sales report right after a receipt
// lands in that month (so each sample includes rebuilding one store-day of the rollups): p50 and
// p99 through HTTP.
import type { SuiteContext } from "./context.js";
import { type Summary, summarize, timed } from "./stats.js";
import { BENCH_POS_PREFIX } from "./writes.js";

export interface LookupResult {
  name: string;
  request: string;
  samples: number;
  latency: Summary;
  /**
   * The server process's CPU per timed request, in ms: what the service spent, less at the mercy of
   * the machine's other jobs than wall time (comparing phases on a busy machine).
   */
  serverCpuMs?: number;
}

/** Times `request` `count` times after `warmup` untimed runs; also the server's CPU per timed request. */
async function measured(
  ctx: SuiteContext,
  count: number,
  warmup: number,
  request: (i: number) => Promise<unknown>,
): Promise<{ times: number[]; serverCpuMs: number }> {
  const times: number[] = [];
  let cpuBefore = 0;
  for (let i = 0; i < warmup + count; i++) {
    if (i === warmup) cpuBefore = ctx.server.cpuMs();
    const ms = await timed(() => request(i));
    if (i >= warmup) times.push(ms);
  }
  return { times, serverCpuMs: (ctx.server.cpuMs() - cpuBefore) / count };
}

/** "+13035550123" → "(303) 555-0123": the service normalises it back to E.164 before matching. */
const national = (e164: string) =>
  /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164) ? e164.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, "($1) $2-$3") : e164;

/** The first day of the month a year before `to` (a date at midnight UTC). */
function yearBefore(to: Date): string {
  const d = new Date(to);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  return d.toISOString().slice(0, 10);
}

/** The month reports the goals name (p50 < 200 ms on big, within 1.5× of a 100,000-receipt merchant's). */
export const GOAL_REPORTS = ["sales report, one month by product", "customers report, one month by day"];

/** Every lookup, or (reportsOnly) only GOAL_REPORTS: what the 100,000-receipt merchant of `many` is measured on. */
export async function measureLookups(ctx: SuiteContext, reportsOnly = false): Promise<LookupResult[]> {
  const results: LookupResult[] = [];
  if (!reportsOnly) results.push(await phoneLookup(ctx));
  results.push(...(await monthReports(ctx, reportsOnly)));
  for (const r of results)
    ctx.log(
      `  ${r.name}: p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms (${r.samples} samples)`,
    );
  return results;
}

async function phoneLookup(ctx: SuiteContext): Promise<LookupResult> {
  const samples = ctx.options.samples * 4;
  const { rows } = await ctx.pool.query<{ phone: string }>(
    "SELECT phone FROM customers WHERE merchant_id = $1 AND phone IS NOT NULL ORDER BY md5(id::text) LIMIT $2",
    [ctx.merchantId, samples + 5],
  );
  const phones = rows.map((r) => national(r.phone));
  const { times, serverCpuMs } = await measured(ctx, phones.length - 5, 5, async (i) => {
    const body = await ctx.client.get(`/v1/customers?phone=${encodeURIComponent(phones[i]!)}`);
    if (!body.includes('"pos_user"')) throw new Error("the phone lookup found no customer");
  });
  return {
    name: "customer by phone",
    request: "GET /v1/customers?phone=(303) 555-0123",
    samples: times.length,
    latency: summarize(times),
    serverCpuMs,
  };
}

async function monthReports(ctx: SuiteContext, reportsOnly: boolean): Promise<LookupResult[]> {
  const results: LookupResult[] = [];

  // The last full calendar month before the dataset's newest receipt.
  const {
    rows: [last],
  } = await ctx.pool.query<{ month: string }>(
    "SELECT to_char(date_trunc('month', max(business_date)) - interval '1 month', 'YYYY-MM-DD') AS month FROM " +
      "transactions WHERE merchant_id = $1",
    [ctx.merchantId],
  );
  const from = last!.month;
  const to = new Date(Date.parse(`${from}T00:00:00Z`));
  to.setUTCMonth(to.getUTCMonth() + 1);
  const range = `from=${from}&to=${to.toISOString().slice(0, 10)}`;
  const reportSamples = Math.max(5, Math.round(ctx.options.samples / 2));
  const reports: [string, string][] = [
    ["sales report, one month by day", `/v1/reports/sales?${range}&period=day`],
    ["sales report, one month by day and employee", `/v1/reports/sales?${range}&period=day&group_by=employee`],
    ["sales report, one month by day and category", `/v1/reports/sales?${range}&period=day&group_by=category`],
    ["sales report, one month by product", `/v1/reports/sales?${range}&period=month&group_by=product`],
    [
      "sales report, a year by month",
      `/v1/reports/sales?from=${yearBefore(to)}&to=${to.toISOString().slice(0, 10)}&period=month`,
    ],
    ["customers report, one month by day", `/v1/reports/customers?${range}&period=day`],
    ["inventory report, by store and category", "/v1/reports/inventory"],
  ];
  for (const [name, path] of reports) {
    if (reportsOnly && !GOAL_REPORTS.includes(name)) continue;
    const { times, serverCpuMs } = await measured(ctx, reportSamples, 2, () => ctx.client.get(path));
    results.push({ name, request: `GET ${path}`, samples: times.length, latency: summarize(times), serverCpuMs });
  }

  // A receipt lands in the month (a different day and store each time), then the month's report:
  // the report rebuilds that store-day's rollups before reading them.
  if (reportsOnly) return results;
  const { rows: stock } = await ctx.pool.query<{ location_id: string; sku: string; name: string; sale_price: string }>(
    `SELECT i.location_id, p.sku, p.name,
      i.sale_price::text AS sale_price FROM inventory_items i JOIN products p ON p.id = i.product_id
     WHERE i.merchant_id = $1 AND i.sale_price > 0 ORDER BY md5(i.id::text) LIMIT $2`,
    [ctx.merchantId, reportSamples + 2],
  );
  const afterWrite: number[] = [];
  for (let i = 0; i < stock.length; i++) {
    const item = stock[i]!;
    const day = new Date(Date.parse(`${from}T18:00:00Z`) + (i % 28) * 86_400_000).toISOString();
    const answer = await ctx.client.request("PUT", `/v1/transactions/${BENCH_POS_PREFIX}report-${process.pid}-${i}`, {
      location_id: item.location_id,
      transacted_at: day,
      lines: [{ sku: item.sku, name: item.name, unit_price: item.sale_price, quantity: "1" }],
    });
    // A new receipt each time (this suite's pid): a repeated one would change nothing and mark no day.
    if (answer.status !== 201)
      throw new Error(`the receipt before the report was refused: ${answer.status} ${answer.body.toString("utf8")}`);
    const ms = await timed(() => ctx.client.get(reports[0]![1]));
    if (i >= 2) afterWrite.push(ms);
  }
  results.push({
    name: "sales report, one month by day, right after a receipt of that month",
    request: `PUT a receipt, then GET ${reports[0]![1]}`,
    samples: afterWrite.length,
    latency: summarize(afterWrite),
  });
  return results;
}
