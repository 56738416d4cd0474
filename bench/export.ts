// 4: the export of all transactions as NDJSON through HTTP (records per second, and the server's
// peak memory from /proc/<pid>/status while it streams), against COPY … TO STDOUT of the same rows
// through pg-copy-streams in the bench's process: the same records rendered by the API's own SQL in
// one statement (the baseline), and, for scale, the raw table rows with no JSON at all.
import { readFileSync } from "node:fs";
import http from "node:http";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { walkOf } from "../src/db/paging.js";
import { pgQuery } from "../src/db/sql.js";
import { tenantOf } from "../src/db/tenant.js";
import { transactionListing } from "../src/transactions/list-query.js";
import { benchAuth } from "./baseline.js";
import type { SuiteContext } from "./context.js";
import { rawLine, rawTransaction } from "./raw-columns.js";
import { ratio } from "./stats.js";

export interface ExportRun {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  /** Server: peak RSS during the export (VmHWM reset before it), and RSS before it, MB. */
  peakRssMb?: number;
  startRssMb?: number;
  /** CPU seconds (user + system) per 100,000 records: the server's process, and PostgreSQL's client backends. */
  serverCpuPer100k?: number;
  backendCpuPer100k?: number;
}

export interface ExportResult {
  http: ExportRun[];
  copyJson: ExportRun;
  copyRaw: ExportRun & { lines: number };
  /** HTTP NDJSON records/s ÷ COPY of the same JSON records/s (the whole export). */
  ratio: number;
  /** HTTP NDJSON receipts/s ÷ COPY of the raw receipt and line rows, receipts/s (the floor). */
  floorRatio: number;
}

/** Streams GET /v1/export/transactions, counting records (lines that are not the export's own). */
function streamExport(
  ctx: SuiteContext,
  maxRecords: number | null,
): Promise<{ records: number; bytes: number; seconds: number; end: string }> {
  const path = `/v1/export/transactions?format=ndjson${maxRecords ? `&max_records=${maxRecords}` : ""}`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(`${ctx.server.baseUrl}${path}`, { headers: { "x-apikey": ctx.apiKey } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`export answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let bytes = 0;
      let lines = 0;
      let control = 0;
      let carry = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        const text = carry + chunk;
        let start = 0;
        for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
          lines++;
          if (text.startsWith('{"export":', start)) control++;
          start = nl + 1;
        }
        // Keep only enough of an unfinished line to recognise a control line.
        carry = text.slice(start, start + 16);
      });
      res.on("end", () =>
        resolve({ records: lines - control, bytes, seconds: (performance.now() - started) / 1000, end: carry }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** A process's CPU seconds so far (user + system, /proc/<pid>/stat; 0 once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command's ")", fields 3…: utime and stime are the 14th and 15th, in clock ticks (100 a second).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of every client backend of the bench's database (the server's connections and the bench's own). */
async function backendCpu(ctx: SuiteContext): Promise<Map<number, number>> {
  const { rows } = await ctx.pool.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
  );
  return new Map(rows.map(({ pid }) => [pid, cpuSeconds(pid)]));
}

async function httpExport(ctx: SuiteContext, maxRecords: number | null): Promise<ExportRun> {
  const serverBefore = cpuSeconds(ctx.server.pid);
  const backendsBefore = await backendCpu(ctx);
  const reset = ctx.server.resetPeak();
  const startRssMb = ctx.server.rssMb();
  let sampledPeak = startRssMb;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, ctx.server.rssMb());
  }, 100);
  try {
    const run = await streamExport(ctx, maxRecords);
    // VmHWM is exact when it could be reset; otherwise the 100 ms samples of VmRSS.
    const peakRssMb = reset ? ctx.server.peakRssMb() : sampledPeak;
    const per100k = (seconds: number) => (seconds * 100_000) / Math.max(run.records, 1);
    let backendSeconds = 0;
    for (const [pid, after] of await backendCpu(ctx)) backendSeconds += after - (backendsBefore.get(pid) ?? 0);
    return {
      ...perSecond(run.records, run.bytes, run.seconds),
      peakRssMb,
      startRssMb,
      serverCpuPer100k: per100k(cpuSeconds(ctx.server.pid) - serverBefore),
      backendCpuPer100k: per100k(backendSeconds),
    };
  } finally {
    clearInterval(sampler);
  }
}

const perSecond = (records: number, bytes: number, seconds: number) => ({
  records,
  bytes,
  seconds,
  recordsPerSecond: records / seconds,
  mbPerSecond: bytes / 1e6 / seconds,
});

/** COPY (sql) TO STDOUT, counting lines and bytes. */
async function copyOut(ctx: SuiteContext, sql: string): Promise<{ lines: number; bytes: number; seconds: number }> {
  const client = await ctx.pool.connect();
  try {
    const started = performance.now();
    const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT`));
    let lines = 0;
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    return { lines, bytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    client.release();
  }
}

/** The API's page SQL over the whole range in one statement, its parameters written in (COPY takes none). */
function wholeRangeJsonSql(ctx: SuiteContext, rows: number | null): string {
  const walk = walkOf(
    transactionListing,
    tenantOf(benchAuth(ctx.merchantId)),
    {},
    {
      format: "standard",
      oneLine: false,
    },
  );
  const { text, values = [] } = pgQuery(walk.statement({ after: null, upper: ctx.upper, take: rows ?? 2_000_000_000 }));
  // Only the record column: the same bytes as the export's lines.
  const inlined = text.replace(/\$(\d+)/g, (_, n: string) => pg.escapeLiteral(String(values[Number(n) - 1])));
  return `SELECT record FROM (${inlined}) page`;
}

export async function measureExport(ctx: SuiteContext): Promise<ExportResult> {
  const runs: ExportRun[] = [];
  const whole = ctx.options.exportMax && ctx.options.exportMax < ctx.transactions ? ctx.options.exportMax : null;
  // A small export and the whole range (or --export-max): the server's memory must not grow with the size.
  for (const size of [Math.min(10_000, ctx.transactions), whole]) {
    const run = await httpExport(ctx, size);
    ctx.log(
      `  HTTP NDJSON ${run.records.toLocaleString("en-US")} records: ` +
        `${Math.round(run.recordsPerSecond).toLocaleString("en-US")} records/s, ${run.mbPerSecond.toFixed(1)} MB/s, ` +
        `server peak RSS ${run.peakRssMb?.toFixed(0)} MB (from ${run.startRssMb?.toFixed(0)} MB); CPU s per 100k ` +
        `records: server ${run.serverCpuPer100k?.toFixed(1)}, PostgreSQL ${run.backendCpuPer100k?.toFixed(1)}`,
    );
    runs.push(run);
  }
  const json = await copyOut(ctx, wholeRangeJsonSql(ctx, whole));
  const copyJson = perSecond(json.lines, json.bytes, json.seconds);
  ctx.log(
    `  COPY of the same JSON records: ${Math.round(copyJson.recordsPerSecond).toLocaleString("en-US")} records/s, ` +
      `${copyJson.mbPerSecond.toFixed(1)} MB/s`,
  );
  const m = pg.escapeLiteral(ctx.merchantId);
  const limit = whole ? ` LIMIT ${whole}` : "";
  const rawTx = await copyOut(
    ctx,
    `SELECT ${rawTransaction("t")} FROM transactions t WHERE merchant_id = ${m} ORDER BY updated_at, id${limit}`,
  );
  const rawLines = await copyOut(
    ctx,
    whole
      ? `SELECT ${rawLine("li")} FROM (SELECT id FROM transactions WHERE merchant_id = ${m}
        ORDER BY updated_at, id${limit}) t JOIN line_items li ON li.transaction_id = t.id`
      : `SELECT ${rawLine("li")} FROM line_items li WHERE merchant_id = ${m}`,
  );
  const copyRaw = {
    ...perSecond(rawTx.lines, rawTx.bytes + rawLines.bytes, rawTx.seconds + rawLines.seconds),
    lines: rawLines.lines,
  };
  ctx.log(
    `  COPY of the raw rows (receipts, then lines; no JSON): ` +
      `${Math.round(copyRaw.recordsPerSecond).toLocaleString("en-US")} receipts/s`,
  );
  const full = runs.at(-1)!;
  if (full.records !== copyRaw.records)
    ctx.log(`  warning: the export sent ${full.records} receipts, COPY of the raw rows read ${copyRaw.records}`);
  return {
    http: runs,
    copyJson,
    copyRaw,
    ratio: ratio(full.recordsPerSecond, copyJson.recordsPerSecond),
    floorRatio: ratio(full.recordsPerSecond, copyRaw.recordsPerSecond),
  };
}
