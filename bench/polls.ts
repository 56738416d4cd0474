// The empty continuation poll (AIQ polling the feed with the cursor of its last page, nothing new):
// through the service against a bare node:http + pg server answering the same request with the
// service's own read function (bench/bare-server.ts), sampled in turns.
import { spawn } from "node:child_process";
import path from "node:path";
import { build } from "esbuild";
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

/** The bare server as plain JavaScript, like the service's dist/ (esbuild, bundled with what it imports from src/). */
async function buildBare(): Promise<string> {
  const outfile = path.resolve(".data", "bench-bare", "bare-server.mjs");
  await build({
    entryPoints: [path.join("bench", "bare-server.ts")],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  return outfile;
}

async function startBare(ctx: SuiteContext): Promise<{ baseUrl: string; stop(): void }> {
  const child = spawn(process.execPath, [await buildBare()], {
    env: { ...process.env, BARE_DATABASE_URL: ctx.databaseUrl, BARE_CURSOR_SECRET: ctx.cursorSecret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString("utf8").trim())));
    child.once("exit", (code) => reject(new Error(`the bare server exited (${code})`)));
  });
  return { baseUrl: `http://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
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
