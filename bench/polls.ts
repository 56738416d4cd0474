// The empty continuation poll (AIQ polling the feed with the cursor of its last page, nothing new):
// through the service against a bare node:http + pg server answering the same request with the
// service's own read function (bench/bare-server.ts), sampled in turns.
import { startBare } from "./bare.js";
import type { SuiteContext } from "./context.js";
import { BenchClient } from "./http.js";
import { pageAt } from "./pages.js";
import { interleaved, ratio, type Summary, summarize } from "./stats.js";

export interface PollResult {
  service: Summary;
  bare: Summary;
  /** Service p50 ÷ bare server p50. */
  ratio: number;
}

export async function measurePolls(ctx: SuiteContext): Promise<PollResult> {
  // The cursor after the newest receipt: the next poll finds nothing.
  const { path: pollPath } = await pageAt(ctx, ctx.transactions, 100);
  const bare = await startBare(ctx);
  const bareClient = new BenchClient(bare.baseUrl, ctx.apiKey);
  try {
    const [service, plain] = [await ctx.client.get(pollPath), await bareClient.get(pollPath)].map(
      (b) => JSON.parse(b.toString("utf8")) as { data: unknown[] },
    );
    if (service!.data.length || plain!.data.length)
      throw new Error(`the poll is not empty (service ${service!.data.length}, bare ${plain!.data.length} records)`);
    for (let i = 0; i < 30; i++) await Promise.all([ctx.client.get(pollPath), bareClient.get(pollPath)]);
    const times = await interleaved(
      { service: () => ctx.client.get(pollPath), bare: () => bareClient.get(pollPath) },
      ctx.options.samples * 5,
      3,
      true,
    );
    const result = { service: summarize(times.service!), bare: summarize(times.bare!), ratio: 0 };
    result.ratio = ratio(result.service.p50, result.bare.p50);
    ctx.log(
      `  empty poll p50: service ${result.service.p50.toFixed(2)} ms, bare node:http + pg ` +
        `${result.bare.p50.toFixed(2)} ms, ratio ${result.ratio.toFixed(2)}`,
    );
    return result;
  } finally {
    bareClient.close();
    bare.stop();
  }
}
