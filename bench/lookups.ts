// 6: a customer lookup by phone (GET /v1/customers?phone=…, a different customer each time, in the
// national format a POS would type) and a monthly sales report (GET /v1/reports/sales over the last
// full calendar month, a row per day): p50 and p99 through HTTP.
import type { SuiteContext } from "./context.js";
import { summarize, timed, type Summary } from "./stats.js";

export interface LookupResult {
  name: string;
  request: string;
  samples: number;
  latency: Summary;
}

/** "+13035550123" → "(303) 555-0123": the service normalises it back to E.164 before matching. */
const national = (e164: string) => (/^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164) ? e164.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, "($1) $2-$3") : e164);

export async function measureLookups(ctx: SuiteContext): Promise<LookupResult[]> {
  const results: LookupResult[] = [];
  const samples = ctx.options.samples * 4;
  const { rows } = await ctx.pool.query<{ phone: string }>(
    "SELECT phone FROM customers WHERE merchant_id = $1 AND phone IS NOT NULL ORDER BY md5(id::text) LIMIT $2",
    [ctx.merchantId, samples + 5],
  );
  const phones = rows.map((r) => national(r.phone));
  const phoneTimes: number[] = [];
  for (let i = 0; i < phones.length; i++) {
    const ms = await timed(async () => {
      const body = await ctx.client.get(`/v1/customers?phone=${encodeURIComponent(phones[i]!)}`);
      if (!body.includes('"pos_user"')) throw new Error("the phone lookup found no customer");
    });
    if (i >= 5) phoneTimes.push(ms);
  }
  results.push({ name: "customer by phone", request: "GET /v1/customers?phone=(303) 555-0123", samples: phoneTimes.length, latency: summarize(phoneTimes) });

  // The last full calendar month before the dataset's newest receipt.
  const { rows: [last] } = await ctx.pool.query<{ month: string }>(
    "SELECT to_char(date_trunc('month', max(business_date)) - interval '1 month', 'YYYY-MM-DD') AS month FROM transactions WHERE merchant_id = $1",
    [ctx.merchantId],
  );
  const from = last!.month;
  const to = new Date(Date.parse(`${from}T00:00:00Z`));
  to.setUTCMonth(to.getUTCMonth() + 1);
  const path = `/v1/reports/sales?from=${from}&to=${to.toISOString().slice(0, 10)}&period=day`;
  const reportTimes: number[] = [];
  const reportSamples = Math.max(5, Math.round(ctx.options.samples / 2));
  for (let i = 0; i < reportSamples + 2; i++) {
    const ms = await timed(() => ctx.client.get(path));
    if (i >= 2) reportTimes.push(ms);
  }
  results.push({ name: "sales report, one month by day", request: `GET ${path}`, samples: reportTimes.length, latency: summarize(reportTimes) });
  for (const r of results) ctx.log(`  ${r.name}: p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms (${r.samples} samples)`);
  return results;
}
