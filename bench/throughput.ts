// 3: requests per second for 100-row pages with autocannon, at a few concurrencies, against the one
// server process. Each connection walks 20 pages spread over the whole range (cursors made as the
// API makes them), so the figure is not one hot page served from cache.
import autocannon from "autocannon";
import type { SuiteContext } from "./context.js";
import { pageAt } from "./pages.js";

export interface ThroughputResult {
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  /** Receipts per second (100 per page). */
  recordsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  errors: number;
  non2xx: number;
}

export const CONCURRENCIES = [1, 8, 32];

export async function measureThroughput(ctx: SuiteContext): Promise<ThroughputResult[]> {
  const limit = 100;
  const paths: string[] = [];
  for (let i = 0; i < 20; i++) {
    const offset = Math.floor((i / 20) * (ctx.transactions - limit));
    paths.push((await pageAt(ctx, offset, limit)).path);
  }
  const results: ThroughputResult[] = [];
  for (const connections of CONCURRENCIES) {
    const run = await autocannon({
      url: ctx.server.baseUrl,
      connections,
      duration: ctx.options.seconds,
      headers: { "x-apikey": ctx.apiKey },
      requests: paths.map((path) => ({ method: "GET" as const, path })),
    });
    const result: ThroughputResult = {
      connections,
      seconds: ctx.options.seconds,
      requestsPerSecond: run.requests.average,
      recordsPerSecond: run.requests.average * limit,
      latencyP50: run.latency.p50,
      latencyP99: run.latency.p99,
      errors: run.errors + run.timeouts,
      non2xx: run.non2xx,
    };
    ctx.log(
      `  ${connections} connections: ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.latencyP50} ms, p99 ` +
        `${result.latencyP99} ` +
        `ms${result.errors || result.non2xx ? `, ${result.errors} errors, ${result.non2xx} non-2xx` : ""}`,
    );
    results.push(result);
  }
  return results;
}
