// The bench's answer: markdown tables (one per measurement, a row per Node version) with the goals
// and where each stands, printed and written with the raw figures as JSON in bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { SuiteResult } from "./context.js";

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; kernel: string };
  dataset: { dir: string; merchantId: string; counts: Record<string, number>; seededMs: number | null };
  options: Record<string, unknown>;
  suites: SuiteResult[];
  skipped: string[];
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "–" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const x = (v: number) => (Number.isNaN(v) ? "–" : `${v.toFixed(2)}×`);
const int = (v: number) => Math.round(v).toLocaleString("en-US");
const major = (s: SuiteResult) => `Node ${s.node.replace(/^v/, "").split(".")[0]}`;
const mark = (ok: boolean) => (ok ? "met" : "missed");

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => "---"), ...rows];
  return lines.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

export const GOALS = {
  pageRatio: 1.3,
  deepRatio: 1.2,
  exportShareOfCopy: 0.5,
  exportRssMb: 200,
  batchLinesPerSecond: 5000,
  /** "Well under a second" for a month's report, read as half a second at p50. */
  monthReportMs: 500,
} as const;

/** Each goal and where it stands, per Node version. */
export function goalLines(suites: SuiteResult[]): string[][] {
  const rows: string[][] = [];
  for (const s of suites) {
    const n = major(s);
    if (s.pages) {
      const worst = s.pages.pages.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      rows.push([n, `pages: HTTP p50 ≤ ${GOALS.pageRatio}× the raw-SQL baseline`, `worst ${x(worst.ratio)} (${worst.limit} rows, ${worst.place})`, mark(s.pages.pages.every((p) => p.ratio <= GOALS.pageRatio))]);
      const deepWorst = Math.max(...s.pages.deep.map((d) => d.httpRatio));
      rows.push([n, `deep page ÷ first page ≤ ${GOALS.deepRatio}`, s.pages.deep.map((d) => `${d.limit} rows ${x(d.httpRatio)}`).join(", "), mark(deepWorst <= GOALS.deepRatio)]);
    }
    if (s.export) {
      const peak = Math.max(...s.export.http.map((r) => r.peakRssMb ?? Number.NaN));
      rows.push([n, `export ≥ ${GOALS.exportShareOfCopy} × COPY's records/s`, x(s.export.ratio), mark(s.export.ratio >= GOALS.exportShareOfCopy)]);
      rows.push([n, `export: server RSS < ${GOALS.exportRssMb} MB`, `peak ${ms(peak)} MB`, mark(peak < GOALS.exportRssMb)]);
    }
    const monthReports = (s.lookups ?? []).filter((l) => l.name.includes("one month"));
    if (monthReports.length) {
      const worst = monthReports.reduce((a, b) => (b.latency.p50 > a.latency.p50 ? b : a));
      rows.push([n, `a month's report: HTTP p50 < ${GOALS.monthReportMs} ms (each report)`, `worst ${ms(worst.latency.p50)} ms (${worst.name})`, mark(worst.latency.p50 < GOALS.monthReportMs)]);
    }
    if (s.writes) {
      const best = Math.max(...s.writes.filter((w) => w.api === "batch").map((w) => w.linesPerSecond));
      rows.push([n, `batch writes ≥ ${int(GOALS.batchLinesPerSecond)} line items/s`, `${int(best)} lines/s`, mark(best >= GOALS.batchLinesPerSecond)]);
    }
  }
  return rows;
}

export function renderReport(report: BenchReport): string {
  const out: string[] = [];
  const { suites } = report;
  const c = report.dataset.counts;
  out.push(
    `pos-bridge bench, ${report.startedAt}: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGb} GB, ${report.machine.kernel}; ` +
      `embedded PostgreSQL (default settings), ${int(c.transactions ?? 0)} receipts, ${int(c.lineItems ?? 0)} lines, ${int(c.customers ?? 0)} customers, ${int(c.products ?? 0)} products, ${c.locations} stores.`,
  );
  out.push(`Load average (1/5/15 min) before and after each suite: ${suites.map((s) => `${major(s)} ${s.loadBefore.join("/")} → ${s.loadAfter.join("/")}`).join("; ")}.`);
  if (report.skipped.length) out.push(`Skipped: ${report.skipped.join("; ")}.`);

  if (suites.some((s) => s.pages)) {
    out.push("\n1. Page of transactions with lines, by change time (ms; HTTP with keep-alive; baselines in-process through pg; ratio = HTTP p50 ÷ the faster baseline's p50)");
    const rows: string[][] = [];
    for (const s of suites) {
      for (const p of s.pages?.pages ?? []) {
        rows.push([
          `${p.limit} rows, ${p.place}${p.place === "deep" ? ` (${int(p.offset)})` : ""}`,
          major(s),
          ms(p.http.p50),
          ms(p.http.p99),
          ms(p.baselines["pg-json"]?.p50),
          ms(p.baselines["node-json"]?.p50),
          x(p.ratio),
          `${(p.bytes / 1e6).toFixed(2)} MB`,
        ]);
      }
    }
    out.push(table(["page", "node", "HTTP p50", "HTTP p99", "SQL pg-json p50", "SQL node-json p50", "ratio", "body"], rows));
    out.push("\n2. Deep page against the first (p50 ratio)");
    out.push(
      table(
        ["page", "node", "HTTP deep ÷ first", "SQL deep ÷ first"],
        suites.flatMap((s) => (s.pages?.deep ?? []).map((d) => [`${d.limit} rows, ${int(d.offset)} deep`, major(s), x(d.httpRatio), x(d.sqlRatio)])),
      ),
    );
  }
  if (suites.some((s) => s.throughput)) {
    out.push("\n3. Requests per second, 100-row pages spread over the range, one server process (autocannon)");
    out.push(
      table(
        ["connections", "node", "req/s", "receipts/s", "p50 ms", "p99 ms", "errors"],
        suites.flatMap((s) =>
          (s.throughput ?? []).map((t) => [String(t.connections), major(s), t.requestsPerSecond.toFixed(1), int(t.recordsPerSecond), String(t.latencyP50), String(t.latencyP99), String(t.errors + t.non2xx)]),
        ),
      ),
    );
  }
  if (suites.some((s) => s.export)) {
    out.push("\n4. Export of all transactions as NDJSON, against COPY … TO STDOUT");
    const rows: string[][] = [];
    for (const s of suites) {
      if (!s.export) continue;
      for (const r of s.export.http) {
        rows.push([`HTTP NDJSON, ${int(r.records)} records`, major(s), int(r.recordsPerSecond), r.mbPerSecond.toFixed(1), `${ms(r.peakRssMb)} (from ${ms(r.startRssMb)})`]);
      }
      rows.push(["COPY of the same JSON records", major(s), int(s.export.copyJson.recordsPerSecond), s.export.copyJson.mbPerSecond.toFixed(1), "–"]);
      rows.push([`COPY of the raw rows (no JSON; receipts + ${int(s.export.copyRaw.lines)} lines)`, major(s), int(s.export.copyRaw.recordsPerSecond), s.export.copyRaw.mbPerSecond.toFixed(1), "–"]);
      rows.push(["HTTP ÷ COPY of the same records", major(s), x(s.export.ratio), "", ""]);
    }
    out.push(table(["what", "node", "records/s", "MB/s", "server peak RSS MB"], rows));
  }
  if (suites.some((s) => s.writes)) {
    out.push("\n5. Writes (new sales of about 3 lines, all created)");
    out.push(
      table(
        ["API", "at once", "node", "receipts/s", "line items/s", "errors"],
        suites.flatMap((s) =>
          (s.writes ?? []).map((w) => [w.api === "batch" ? `POST /v1/transactions/batch (${w.perCall} a call)` : "PUT /v1/transactions/{pos_id}", String(w.concurrency), major(s), int(w.receiptsPerSecond), int(w.linesPerSecond), String(w.errors)]),
        ),
      ),
    );
  }
  if (suites.some((s) => s.lookups)) {
    out.push("\n6. Lookups (ms)");
    out.push(table(["request", "node", "p50", "p99", "samples"], suites.flatMap((s) => (s.lookups ?? []).map((l) => [l.name, major(s), ms(l.latency.p50), ms(l.latency.p99), String(l.samples)]))));
  }
  const goals = goalLines(suites);
  if (goals.length) {
    out.push("\nGoals");
    out.push(table(["node", "goal", "measured", "status"], goals));
  }
  return out.join("\n");
}

/** Writes the report as JSON (bench/results/<time>.json and latest.json); returns the file written. */
export function writeReport(report: BenchReport, text: string): string {
  const dir = path.join("bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, "-")}.json`);
  const json = JSON.stringify({ ...report, table: text }, null, 2);
  writeFileSync(file, json);
  writeFileSync(path.join(dir, "latest.json"), json);
  return file;
}
