// 1 and 2: pages of 100 and 1,000 transactions with lines, by change time, at the start, middle and
// end of the range and 900,000 rows deep; through HTTP, through the raw-SQL baselines, and through the
// HTTP floor (a bare node:http server doing the pg-json baseline's work, bench/bare-server.ts), all of a
// page size sampled in turns so that every ratio compares figures taken under the same load.
import { encodeCursor, filterFingerprint } from "../src/lib/paging.js";
import { utcText } from "../src/lib/sync-feed.js";
import { startBare } from "./bare.js";
import { BASELINES, barePagePath, benchAuth, checkSameData, flatFloor, type PageSpec } from "./baseline.js";
import type { SuiteContext } from "./context.js";
import { BenchClient } from "./http.js";
import { interleaved, ratio, type Summary, summarize, timed } from "./stats.js";

export type PagePlace = "start" | "middle" | "end" | "deep";

/** A baseline slower than this and than APART_FACTOR times the page is sampled apart (measureWith). */
const APART_MS = 100;
const APART_FACTOR = 10;
const APART_SAMPLES = 5;

export interface PageResult {
  limit: number;
  place: PagePlace;
  /** Rows before the page. */
  offset: number;
  bytes: number;
  http: Summary;
  baselines: Record<string, Summary>;
  /** The faster baseline (by p50). */
  baseline: string;
  /** HTTP p50 ÷ the faster baseline's p50. */
  ratio: number;
  /** The floor: the same receipts and lines as flat rows (baseline.ts flatFloor). */
  floor: Summary;
  /** HTTP p50 ÷ the floor's p50. */
  floorRatio: number;
  /**
   * The HTTP floor: the same page served by a bare node:http server running exactly the pg-json baseline's
   * work (no key, no horizon, no cursor) as one body with Content-Length: what any HTTP service pays.
   */
  bareHttp: Summary;
  /** The HTTP floor's p50 ÷ the faster baseline's p50 (the service's is `ratio`). */
  bareRatio: number;
}

export interface DeepResult {
  limit: number;
  offset: number;
  /** HTTP p50 of the deep page ÷ HTTP p50 of the first page. */
  httpRatio: number;
  /** The same for the pg-json baseline (the API's SQL alone). */
  sqlRatio: number;
}

export interface PagesResult {
  pages: PageResult[];
  deep: DeepResult[];
}

/** The position (updated_at text, id) of the row at `offset` in the feed's order. */
async function positionAt(ctx: SuiteContext, offset: number): Promise<[string, string]> {
  const { rows } = await ctx.pool.query<{ at: string; id: string }>(
    `SELECT ${utcText("updated_at")} AS at,
      id FROM transactions WHERE merchant_id = $1 AND updated_at < $2 ORDER BY updated_at, id OFFSET $3 LIMIT 1`,
    [ctx.merchantId, ctx.upper, offset],
  );
  if (!rows[0]) throw new Error(`no transaction at offset ${offset}`);
  return [rows[0].at, rows[0].id];
}

/**
 * The cursor GET /v1/transactions would hand out after `position`, with no filters (signed with the server's secret).
 */
export function cursorAfter(ctx: SuiteContext, position: [string, string]): string {
  const fingerprint = filterFingerprint("transactions", benchAuth(ctx.merchantId), {});
  return encodeCursor(ctx.cursorSecret, fingerprint, position);
}

/** Path and baseline spec of the page that starts after `offset` rows. */
export async function pageAt(
  ctx: SuiteContext,
  offset: number,
  limit: number,
): Promise<{ path: string; spec: PageSpec }> {
  const after = offset > 0 ? await positionAt(ctx, offset - 1) : null;
  const path =
    `/v1/transactions?limit=${limit}` + `${after ? `&cursor=${encodeURIComponent(cursorAfter(ctx, after))}` : ""}`;
  return { path, spec: { merchantId: ctx.merchantId, after, upper: ctx.upper, limit } };
}

export async function measurePages(ctx: SuiteContext): Promise<PagesResult> {
  const bare = await startBare(ctx);
  const bareClient = new BenchClient(bare.baseUrl, ctx.apiKey);
  try {
    return await measureWith(ctx, bareClient);
  } finally {
    bareClient.close();
    bare.stop();
  }
}

async function measureWith(ctx: SuiteContext, bareClient: BenchClient): Promise<PagesResult> {
  const n = ctx.transactions;
  const deepOffset = Math.min(900_000, Math.floor(n * 0.9));
  const pages: PageResult[] = [];
  // The server's JIT warms up on the first requests (a few more on Node 24): untimed pages first.
  const limits = ctx.options.pageLimits ?? [100, 1000];
  for (const limit of limits) {
    const { path, spec } = await pageAt(ctx, 0, limit);
    for (let i = 0; i < (limit === 100 ? 30 : 5); i++)
      await Promise.all([ctx.client.get(path), bareClient.get(barePagePath(spec))]);
  }
  for (const limit of limits) {
    const places: [PagePlace, number][] = [
      ["start", 0],
      ["middle", Math.floor(n / 2)],
      ["end", n - limit],
      ["deep", deepOffset],
    ];
    // Every place and every way of reading it in the same turns, so the ratios between them (HTTP
    // against SQL, deep against first) are taken under the same load.
    const prepared = [];
    for (const [place, offset] of places) {
      const { path, spec } = await pageAt(ctx, offset, limit);
      const body = await ctx.client.get(path);
      await checkSameData(ctx.pool, spec, body.toString("utf8"), await bareClient.get(barePagePath(spec)));
      prepared.push({ place, offset, path, spec, bytes: body.length });
    }
    const ops: Record<string, () => Promise<unknown>> = {};
    for (const { place, path, spec } of prepared) {
      // The HTTP floor first: the service's sample is still followed by the SQL baselines' (its answer's
      // aftermath, logging and metrics, falls on them as before), and follows a server that does neither.
      const barePath = barePagePath(spec);
      ops[`${place}:bare-http`] = () => bareClient.get(barePath);
      ops[`${place}:http`] = () => ctx.client.get(path);
      for (const [name, baseline] of Object.entries(BASELINES))
        ops[`${place}:${name}`] = () => baseline(ctx.pool, spec);
      ops[`${place}:floor`] = () => flatFloor(ctx.pool, spec);
    }
    const samples = limit === 1000 ? Math.max(5, Math.round(ctx.options.samples * 0.75)) : ctx.options.samples;
    // A baseline far slower than the page (before ANALYZE: node-json's plain joins and the floor's generic plan,
    // 0.4-1 s a sample) is no contender for the best SQL, and run in every turn it read whole tables between the
    // service's samples and pushed the receipts out of PostgreSQL's shared buffers: the service's page before
    // ANALYZE then measured the bench's own baselines (the API's statement through pg slowed as much). Such a
    // baseline is sampled apart, after the turns.
    // Probed once before the turns, and watched in them: a prepared statement's plan may change on its sixth run or
    // later (before ANALYZE, big's floor took ~30 ms with its custom plans and 0.7-0.8 s with the generic plan that
    // followed them), and one that turns slow then leaves the turns (its samples dropped) to be sampled apart too.
    const apart: string[] = [];
    const pageMs: Record<string, number> = {};
    const slow = (op: string, ms: number) => ms > APART_MS && ms > APART_FACTOR * pageMs[op.split(":")[0]!]!;
    for (const { place } of prepared) {
      pageMs[place] = await timed(ops[`${place}:http`]!);
      for (const name of [...Object.keys(BASELINES), "floor"]) {
        const op = `${place}:${name}`;
        if (slow(op, await timed(ops[op]!))) apart.push(op);
      }
    }
    const turns = Object.fromEntries(Object.entries(ops).filter(([op]) => !apart.includes(op)));
    const isBaseline = (op: string) => !op.endsWith(":http") && !op.endsWith(":bare-http");
    const times = await interleaved(turns, samples, 3, false, (op, ms) => isBaseline(op) && slow(op, ms));
    apart.push(...Object.keys(turns).filter((op) => !(op in times)));
    for (const op of apart) {
      times[op] = [];
      for (let i = 0; i < APART_SAMPLES; i++) times[op].push(await timed(ops[op]!));
    }
    if (apart.length)
      ctx.log(`  page ${limit}: sampled apart, ${APART_SAMPLES} times after the turns (slow): ${apart.join(", ")}`);
    for (const { place, offset, bytes } of prepared) {
      const baselines = Object.fromEntries(
        Object.keys(BASELINES).map((name) => [name, summarize(times[`${place}:${name}`]!)]),
      );
      const [best] = Object.entries(baselines).sort(([, a], [, b]) => a.p50 - b.p50)[0]!;
      const http = summarize(times[`${place}:http`]!);
      const floor = summarize(times[`${place}:floor`]!);
      const bareHttp = summarize(times[`${place}:bare-http`]!);
      const result: PageResult = {
        limit,
        place,
        offset,
        bytes,
        http,
        baselines,
        baseline: best,
        ratio: ratio(http.p50, baselines[best]!.p50),
        floor,
        floorRatio: ratio(http.p50, floor.p50),
        bareHttp,
        bareRatio: ratio(bareHttp.p50, baselines[best]!.p50),
      };
      ctx.log(
        `  page ${limit} ${place.padEnd(6)} http p50 ${http.p50.toFixed(1)} ms p99 ${http.p99.toFixed(1)}; ` +
          Object.entries(baselines)
            .map(([name, s]) => `${name} ${s.p50.toFixed(1)}`)
            .join(", ") +
          `, floor ${floor.p50.toFixed(1)}, bare HTTP ${bareHttp.p50.toFixed(1)}; ÷ best SQL ` +
          `${result.ratio.toFixed(2)} (bare HTTP ${result.bareRatio.toFixed(2)}), ` +
          `÷ floor ${result.floorRatio.toFixed(2)}`,
      );
      pages.push(result);
    }
  }
  const deep = limits.map((limit): DeepResult => {
    const first = pages.find((p) => p.limit === limit && p.place === "start")!;
    const far = pages.find((p) => p.limit === limit && p.place === "deep")!;
    return {
      limit,
      offset: far.offset,
      httpRatio: ratio(far.http.p50, first.http.p50),
      sqlRatio: ratio(far.baselines["pg-json"]!.p50, first.baselines["pg-json"]!.p50),
    };
  });
  return { pages, deep };
}
