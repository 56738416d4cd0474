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
import { ratio, summarize } from "./stats.js";

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
  /** Turns of the whole range measured (SHORT_TURNS when one took under SHORT_SECONDS, else 1). */
  turns?: number;
  /** Each turn's floorRatio, in order. */
  floorRatios?: number[];
  /** HTTP NDJSON records/s ÷ COPY of the same JSON records/s (the whole export; the turns' median). */
  ratio: number;
  /** HTTP NDJSON receipts/s ÷ COPY of the raw receipt and line rows, receipts/s (the floor; the turns' median). */
  floorRatio: number;
}

/** The start of the export's own lines (checkpoints and the end line), which are not records. */
const CONTROL = Buffer.from('{"export":');

/**
 * Counts an NDJSON export's records (lines that are not the export's own) in its bytes as they arrive, as the COPY
 * baselines count their lines: no text decoded (decoding ~150 MB/s of UTF-8 took CPU from the two cores the server
 * and PostgreSQL share with the bench).
 */
export class RecordCounter {
  lines = 0;
  control = 0;
  /** The first bytes of the line under way when it began in an earlier piece (enough to tell a control line). */
  private head: Buffer | null = null;

  get records(): number {
    return this.lines - this.control;
  }

  push(piece: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = piece.indexOf(10, start);
      const end = nl === -1 ? piece.length : nl;
      if (this.head && this.head.length < CONTROL.length)
        this.head = Buffer.concat([
          this.head,
          piece.subarray(start, Math.min(end, start + CONTROL.length - this.head.length)),
        ]);
      if (nl === -1) {
        // A copy: the piece's memory is not ours to keep.
        this.head = Buffer.from(this.head ?? piece.subarray(start, Math.min(end, start + CONTROL.length)));
        return;
      }
      this.lines++;
      const control = this.head
        ? this.head.equals(CONTROL)
        : end - start >= CONTROL.length &&
          piece.compare(CONTROL, 0, CONTROL.length, start, start + CONTROL.length) === 0;
      if (control) this.control++;
      this.head = null;
      start = nl + 1;
    }
  }
}

/** Streams GET /v1/export/transactions, counting its records (RecordCounter). */
function streamExport(
  ctx: SuiteContext,
  maxRecords: number | null,
): Promise<{ records: number; bytes: number; seconds: number }> {
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
      const counter = new RecordCounter();
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        counter.push(chunk);
      });
      res.on("end", () => resolve({ records: counter.records, bytes, seconds: (performance.now() - started) / 1000 }));
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

/**
 * A whole export shorter than this is measured in SHORT_TURNS turns (the export, then both COPYs, each turn) and
 * judged by its turns' median ratio: many's is 5,022 records, ~0.1 s, and one stall of the export or of a COPY in a
 * single turn moved its ratio from 0.42x to 0.68x between runs.
 */
const SHORT_SECONDS = 2;
const SHORT_TURNS = 7;

/** The run of the median records/s (the first of the two middle ones when even). */
function medianRun<R extends ExportRun>(runs: R[]): R {
  const sorted = [...runs].sort((a, b) => a.recordsPerSecond - b.recordsPerSecond);
  return sorted[(sorted.length - 1) >> 1]!;
}

/** One turn of the whole range: the export through HTTP, COPY of the same JSON, COPY of the raw rows. */
async function exportTurn(ctx: SuiteContext, whole: number | null) {
  const http = await httpExport(ctx, whole);
  const json = await copyOut(ctx, wholeRangeJsonSql(ctx, whole));
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
  const copyJson = perSecond(json.lines, json.bytes, json.seconds);
  const copyRaw = {
    ...perSecond(rawTx.lines, rawTx.bytes + rawLines.bytes, rawTx.seconds + rawLines.seconds),
    lines: rawLines.lines,
  };
  return {
    http,
    copyJson,
    copyRaw,
    ratio: ratio(http.recordsPerSecond, copyJson.recordsPerSecond),
    floorRatio: ratio(http.recordsPerSecond, copyRaw.recordsPerSecond),
  };
}

const logRun = (ctx: SuiteContext, run: ExportRun, prefix = "") =>
  ctx.log(
    `  ${prefix}HTTP NDJSON ${run.records.toLocaleString("en-US")} records: ` +
      `${Math.round(run.recordsPerSecond).toLocaleString("en-US")} records/s, ${run.mbPerSecond.toFixed(1)} MB/s, ` +
      `server peak RSS ${run.peakRssMb?.toFixed(0)} MB (from ${run.startRssMb?.toFixed(0)} MB); CPU s per 100k ` +
      `records: server ${run.serverCpuPer100k?.toFixed(1)}, PostgreSQL ${run.backendCpuPer100k?.toFixed(1)}`,
  );

export async function measureExport(ctx: SuiteContext): Promise<ExportResult> {
  const whole = ctx.options.exportMax && ctx.options.exportMax < ctx.transactions ? ctx.options.exportMax : null;
  // A small export and the whole range (or --export-max): the server's memory must not grow with the size.
  const small = await httpExport(ctx, Math.min(10_000, ctx.transactions));
  logRun(ctx, small);
  const turns = [await exportTurn(ctx, whole)];
  if (turns[0]!.http.seconds < SHORT_SECONDS)
    while (turns.length < SHORT_TURNS) turns.push(await exportTurn(ctx, whole));
  for (const [i, turn] of turns.entries()) {
    logRun(ctx, turn.http, turns.length > 1 ? `turn ${i + 1}: ` : "");
    ctx.log(
      `  ${turns.length > 1 ? `turn ${i + 1}: ` : ""}COPY of the same JSON records: ` +
        `${Math.round(turn.copyJson.recordsPerSecond).toLocaleString("en-US")} records/s, ` +
        `${turn.copyJson.mbPerSecond.toFixed(1)} MB/s; COPY of the raw rows (receipts, then lines; no JSON): ` +
        `${Math.round(turn.copyRaw.recordsPerSecond).toLocaleString("en-US")} receipts/s; ` +
        `÷ raw ${turn.floorRatio.toFixed(2)}, ÷ same JSON ${turn.ratio.toFixed(2)}`,
    );
    if (turn.http.records !== turn.copyRaw.records)
      ctx.log(
        `  warning: the export sent ${turn.http.records} receipts, COPY of the raw rows read ${turn.copyRaw.records}`,
      );
  }
  // The median turn's figures; the peak RSS is the highest of every turn.
  const full = {
    ...medianRun(turns.map((t) => t.http)),
    peakRssMb: Math.max(...turns.map((t) => t.http.peakRssMb ?? 0)),
  };
  return {
    http: [small, full],
    copyJson: medianRun(turns.map((t) => t.copyJson)),
    copyRaw: medianRun(turns.map((t) => t.copyRaw)),
    turns: turns.length,
    floorRatios: turns.map((t) => t.floorRatio),
    ratio: summarize(turns.map((t) => t.ratio)).p50,
    floorRatio: summarize(turns.map((t) => t.floorRatio)).p50,
  };
}
