// One suite: every measurement of one shape and phase on one Node version. bench/run.ts starts it as
// a child process with that node binary, so the server under test (its own child, same binary), the
// HTTP client and the raw-SQL baselines all run on the version being measured. Its input is
// BENCH_SUITE (JSON); its result is written as JSON to the file named there.
import { writeFileSync } from "node:fs";
import pg from "pg";
import type { Section, SuiteContext, SuiteInput, SuiteResult } from "./context.js";
import { measureExport } from "./export.js";
import { BenchClient } from "./http.js";
import { measureLookups } from "./lookups.js";
import { measurePages } from "./pages.js";
import { type PgProxy, startPgProxy } from "./pg-proxy.js";
import { measurePlanning } from "./planning.js";
import { measurePolls } from "./polls.js";
import { startServer } from "./server.js";
import { loadAverage } from "./stats.js";
import { measureThroughput } from "./throughput.js";
import { BENCH_POS_PREFIX, measureRoundTrips, measureWrites } from "./writes.js";

const input = JSON.parse(process.env.BENCH_SUITE ?? "null") as SuiteInput | null;
if (!input) throw new Error("bench/suite.ts is started by bench/run.ts (BENCH_SUITE is not set)");

// Stopped by bench/run.ts (interrupted): exit, which kills the servers this suite started (server.ts).
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(130));

const log = (line: string) =>
  process.stderr.write(`[${input.shape} ${input.phase} node ${process.versions.node}] ${line}\n`);
const result: SuiteResult = {
  shape: input.shape,
  phase: input.phase,
  node: process.version,
  startedAt: new Date().toISOString(),
  loadBefore: await loadAverage(),
  loadAfter: [],
};

const pool = new pg.Pool({ connectionString: input.databaseUrl, max: 4 });
result.databaseUpSeconds = (
  await pool.query<{ up: number }>("SELECT extract(epoch FROM now() - pg_postmaster_start_time())::float8 AS up")
).rows[0]!.up;
// The bench-only slowdown (test/bench): the server under test reads through a proxy that holds every answer.
const slow: PgProxy | null = input.slowReadMs > 0 ? await startPgProxy(input.databaseUrl, input.slowReadMs) : null;
const serverUrl = slow?.url ?? input.databaseUrl;
const server = await startServer({ node: process.execPath, databaseUrl: serverUrl, cursorSecret: input.cursorSecret });
const client = new BenchClient(server.baseUrl, input.apiKey);
const ctx: SuiteContext = {
  pool,
  server,
  client,
  apiKey: input.apiKey,
  cursorSecret: input.cursorSecret,
  merchantId: input.merchantId,
  transactions: input.transactions,
  upper: input.upper,
  options: input.options,
  databaseUrl: input.databaseUrl,
  log,
};
const runId = `${input.runId}-${input.phase}-${process.versions.node.split(".")[0]}`;
try {
  log(
    `server pid ${server.pid} at ${server.baseUrl}, RSS ${server.rssMb().toFixed(0)} ` +
      `MB${slow ? `; reads slowed by ${input.slowReadMs} ms per answer` : ""}`,
  );
  const wants = (section: Section) => input.sections.includes(section);
  if (wants("pages")) {
    log("1-2. pages: HTTP against the best hand-written SQL and the flat floor");
    result.pages = await measurePages(ctx);
  }
  if (wants("polls")) {
    log("empty continuation poll against a bare node:http + pg server");
    result.polls = await measurePolls(ctx);
  }
  if (wants("planning")) {
    log("planning: statements planned per request once warm (pg_stat_statements)");
    result.planning = await measurePlanning(ctx);
  }
  if (wants("throughput")) {
    log(`3. requests per second, 100-row pages, ${input.options.seconds} s per run`);
    result.throughput = await measureThroughput(ctx);
  }
  if (wants("lookups")) {
    log("6. customer by phone, month reports");
    result.lookups = await measureLookups(ctx);
    if (input.peer) {
      log("6. the same month's reports on the 100,000-receipt merchant");
      const peerClient = new BenchClient(server.baseUrl, input.peer.apiKey);
      try {
        result.peerLookups = await measureLookups(
          { ...ctx, client: peerClient, apiKey: input.peer.apiKey, merchantId: input.peer.merchantId },
          true,
        );
      } finally {
        peerClient.close();
      }
    }
  }
  if (wants("export")) {
    // A server of its own, fresh: its memory is the export's, not what earlier pages left in the heap.
    log("4. NDJSON export against COPY (a fresh server process)");
    const exportServer = await startServer({
      node: process.execPath,
      databaseUrl: serverUrl,
      cursorSecret: input.cursorSecret,
    });
    try {
      // As any serving process has: Prisma's engine loaded (whoami reads the key through Prisma).
      const whoami = await fetch(`${exportServer.baseUrl}/v1/whoami`, { headers: { "x-apikey": input.apiKey } });
      if (!whoami.ok) throw new Error(`whoami answered ${whoami.status}`);
      result.export = await measureExport({ ...ctx, server: exportServer });
    } finally {
      await exportServer.stop();
    }
  }
  if (wants("writes")) {
    log(`5. writes, ${input.options.seconds} s per run; round trips of a single PUT`);
    result.writes = await measureWrites(ctx, runId);
    result.roundTrips = await measureRoundTrips(ctx, runId);
  }
} finally {
  client.close();
  await server.stop();
  await slow?.close();
  // The next suite reads the dataset as it was: every receipt this one wrote (writes, and the
  // receipts before the month's report) goes.
  const { rowCount } = await pool.query("DELETE FROM transactions WHERE merchant_id = $1 AND pos_id LIKE $2", [
    input.merchantId,
    `${BENCH_POS_PREFIX}%`,
  ]);
  if (rowCount) {
    log(`removed the ${rowCount} receipts this suite wrote`);
    // Not in the fresh phase: VACUUM would analyse nothing, but keep autovacuum's work out of it too.
    await pool.query(input.phase === "fresh" ? "SELECT 1" : "VACUUM transactions, line_items");
  }
  await pool.end();
}
result.loadAfter = await loadAverage();
writeFileSync(input.resultFile, JSON.stringify(result, null, 2));
