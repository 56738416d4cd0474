// The bench's answer: markdown tables (one per measurement, a row per Node version) with the goals
// and where each stands, printed and written with the raw figures as JSON in bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { SuiteResult } from "./context.js";
import type { Build, Counts, ShapeName } from "./dataset.js";
import type { GoalRow } from "./goals.js";
import type { LookupResult } from "./lookups.js";

export interface ShapeReport {
  shape: ShapeName;
  description: string;
  dir: string;
  merchantId: string;
  counts: Counts;
  /** When the dataset was built and how long that took. */
  build: Build | null;
  builtNow: boolean;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; kernel: string };
  shapes: ShapeReport[];
  options: Record<string, unknown>;
  suites: SuiteResult[];
  goals: GoalRow[];
  skipped: string[];
}

const ms = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? "–" : v >= 100 ? v.toFixed(0) : v.toFixed(1);
const x = (v: number) => (Number.isNaN(v) ? "–" : `${v.toFixed(2)}×`);
const int = (v: number) => Math.round(v).toLocaleString("en-US");
const major = (s: SuiteResult) =>
  `Node ${s.node.replace(/^v/, "").split(".")[0]}${s.phase === "fresh" ? ", before ANALYZE" : ""}`;

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => "---"), ...rows];
  return lines.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

const LOOKUP_COLUMNS = ["request", "node", "p50", "p99", "server CPU per request", "samples"];
const lookupRow = (s: SuiteResult) => (l: LookupResult) => [
  l.name,
  major(s),
  ms(l.latency.p50),
  ms(l.latency.p99),
  ms(l.serverCpuMs),
  String(l.samples),
];

/** ", PostgreSQL up 3 s" (how warm its shared buffers can be), or nothing in a result from before it was recorded. */
const upTime = (s: SuiteResult) =>
  s.databaseUpSeconds === undefined ? "" : `, PostgreSQL up ${Math.round(s.databaseUpSeconds)} s`;

/** "Node 20 3.2/1.7/1.5 → 3.6/1.8/1.6, PostgreSQL up 2 s": a suite's load average before and after it. */
const loadOf = (s: SuiteResult) => `${major(s)} ${s.loadBefore.join("/")} → ${s.loadAfter.join("/")}${upTime(s)}`;

export function renderReport(report: BenchReport): string {
  const out: string[] = [];
  out.push(
    `pos-bridge bench, ${report.startedAt}: ${report.machine.cpus} × ${report.machine.cpuModel}, ` +
      `${report.machine.memoryGb} GB, ${report.machine.kernel}; ` +
      `embedded PostgreSQL (default settings, pg_stat_statements loaded). "before ANALYZE": the same database with ` +
      `its planner statistics removed, as right after loading, measured with the same read sections in the same ` +
      `order as after ANALYZE (all but writes), so the server under test is as warm at each measurement in both. ` +
      `Each phase starts on ` +
      `PostgreSQL restarted just before it, so the first suite of either reads its data into empty shared buffers ` +
      `and the later ones find what the earlier suites read.`,
  );
  if (report.skipped.length) out.push(`Skipped: ${report.skipped.join("; ")}.`);
  for (const shape of report.shapes) {
    const c = shape.counts;
    const built = shape.build
      ? `built in ${Math.round(shape.build.seededMs / 1000)} ` +
        `s${shape.builtNow ? " by this run" : ` (${shape.build.builtAt})`}`
      : "build time not recorded";
    out.push(
      `\n## ${shape.shape}: ${shape.description}\n${shape.dir}, ${built}; measured merchant: ${int(c.transactions)} ` +
        `receipts, ${int(c.lineItems)} lines, ${int(c.customers)} customers, ${int(c.products)} products, ` +
        `${c.locations} stores; ${c.merchants} merchants in the database.`,
    );
    const suites = report.suites.filter((s) => s.shape === shape.shape);
    out.push(`Load average (1/5/15 min) before and after each suite: ${suites.map(loadOf).join("; ")}.`);
    out.push(renderSuites(suites));
  }
  if (report.goals.length) {
    out.push("\n## Goals");
    out.push(
      table(
        ["shape", "node", "goal", "measured", "status"],
        report.goals.map((g) => [g.shape, g.node, g.goal, g.measured, g.status]),
      ),
    );
    const missed = report.goals.filter((g) => g.status === "missed").length;
    const unmeasured = report.goals.filter((g) => g.status === "not measured").length;
    out.push(`${report.goals.length - missed - unmeasured} met, ${missed} missed, ${unmeasured} not measured.`);
  }
  return out.join("\n");
}

function renderSuites(suites: SuiteResult[]): string {
  const out: string[] = [];
  if (suites.some((s) => s.pages)) {
    out.push(
      "\n1. Page of transactions with lines, by change time (ms; HTTP with keep-alive; baselines in-process through " +
        "pg; ÷ SQL = HTTP p50 ÷ the faster hand-written SQL's p50; bare HTTP = the HTTP floor, the same page from a " +
        "bare node:http server doing exactly pg-json's work (no key, no horizon), one body with Content-Length; " +
        "÷ floor = HTTP p50 ÷ the flat prepared SELECT of the same receipts and lines)",
    );
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
          ms(p.floor.p50),
          ms(p.bareHttp.p50),
          x(p.ratio),
          x(p.bareRatio),
          x(p.floorRatio),
          `${(p.bytes / 1e6).toFixed(2)} MB`,
        ]);
      }
    }
    out.push(
      table(
        [
          "page",
          "node",
          "HTTP p50",
          "HTTP p99",
          "SQL pg-json p50",
          "SQL node-json p50",
          "floor p50",
          "bare HTTP p50",
          "÷ SQL",
          "bare HTTP ÷ SQL",
          "÷ floor",
          "body",
        ],
        rows,
      ),
    );
    out.push("\n2. Deep page against the first (p50 ratio)");
    out.push(
      table(
        ["page", "node", "HTTP deep ÷ first", "SQL deep ÷ first"],
        suites.flatMap((s) =>
          (s.pages?.deep ?? []).map((d) => [
            `${d.limit} rows, ${int(d.offset)} deep`,
            major(s),
            x(d.httpRatio),
            x(d.sqlRatio),
          ]),
        ),
      ),
    );
  }
  if (suites.some((s) => s.throughput)) {
    out.push("\n3. Requests per second, 100-row pages spread over the range, one server process (autocannon)");
    out.push(
      table(
        ["connections", "node", "req/s", "receipts/s", "p50 ms", "p99 ms", "errors"],
        suites.flatMap((s) =>
          (s.throughput ?? []).map((t) => [
            String(t.connections),
            major(s),
            t.requestsPerSecond.toFixed(1),
            int(t.recordsPerSecond),
            String(t.latencyP50),
            String(t.latencyP99),
            String(t.errors + t.non2xx),
          ]),
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
        rows.push([
          `HTTP NDJSON, ${int(r.records)} records`,
          major(s),
          int(r.recordsPerSecond),
          r.mbPerSecond.toFixed(1),
          `${ms(r.peakRssMb)} (from ${ms(r.startRssMb)})`,
        ]);
      }
      rows.push([
        "COPY of the same JSON records",
        major(s),
        int(s.export.copyJson.recordsPerSecond),
        s.export.copyJson.mbPerSecond.toFixed(1),
        "–",
      ]);
      rows.push([
        `COPY of the raw rows (no JSON; receipts + ${int(s.export.copyRaw.lines)} lines)`,
        major(s),
        int(s.export.copyRaw.recordsPerSecond),
        s.export.copyRaw.mbPerSecond.toFixed(1),
        "–",
      ]);
      rows.push(["HTTP ÷ COPY of the same records", major(s), x(s.export.ratio), "", ""]);
      rows.push(["HTTP ÷ COPY of the raw rows (floor)", major(s), x(s.export.floorRatio), "", ""]);
    }
    out.push(table(["what", "node", "records/s", "MB/s", "server peak RSS MB"], rows));
  }
  if (suites.some((s) => s.writes)) {
    out.push("\n5. Writes (new sales of about 3 lines, all created)");
    out.push(
      table(
        ["API", "at once", "node", "receipts/s", "line items/s", "errors"],
        suites.flatMap((s) =>
          (s.writes ?? []).map((w) => [
            w.api === "batch" ? `POST /v1/transactions/batch (${w.perCall} a call)` : "PUT /v1/transactions/{pos_id}",
            String(w.concurrency),
            major(s),
            int(w.receiptsPerSecond),
            int(w.linesPerSecond),
            String(w.errors),
          ]),
        ),
      ),
    );
  }
  if (suites.some((s) => s.lookups)) {
    out.push("\n6. Lookups (ms)");
    out.push(
      table(
        LOOKUP_COLUMNS,
        suites.flatMap((s) => (s.lookups ?? []).map(lookupRow(s))),
      ),
    );
  }
  if (suites.some((s) => s.peerLookups)) {
    out.push("\n6b. The same month's reports on the 100,000-receipt merchant (ms)");
    out.push(
      table(
        LOOKUP_COLUMNS,
        suites.flatMap((s) => (s.peerLookups ?? []).map(lookupRow(s))),
      ),
    );
  }
  if (suites.some((s) => s.polls)) {
    out.push(
      "\n7. Empty continuation poll (ms): the service against a bare node:http + pg server running the same read",
    );
    out.push(
      table(
        ["node", "service p50", "service p99", "bare p50", "bare p99", "ratio"],
        suites
          .filter((s) => s.polls)
          .map((s) => [
            major(s),
            ms(s.polls!.service.p50),
            ms(s.polls!.service.p99),
            ms(s.polls!.bare.p50),
            ms(s.polls!.bare.p99),
            x(s.polls!.ratio),
          ]),
      ),
    );
  }
  if (suites.some((s) => s.planning)) {
    out.push(
      "\n8. Planning once warm (pg_stat_statements over 20 rounds of pages of 100 and 1,000 and the empty poll, " +
        `after warm-up rounds until 5 in a row planned nothing: ${suites
          .filter((s) => s.planning)
          .map((s) => `${major(s)} ${s.planning!.warmRounds ?? "?"}`)
          .join(", ")}): statements run every round`,
    );
    out.push(
      table(
        ["node", "calls", "plans", "plan ms (mean)", "run ms (mean)", "statement"],
        suites.flatMap((s) =>
          (s.planning?.statements ?? []).map((st) => [
            major(s),
            String(st.calls),
            String(st.plans),
            st.meanPlanMs.toFixed(2),
            st.meanExecMs.toFixed(2),
            `\`${st.query.slice(0, 90).replace(/[|`]/g, " ")}\``,
          ]),
        ),
      ),
    );
  }
  if (suites.some((s) => s.roundTrips)) {
    out.push("\n9. Round trips to PostgreSQL of one PUT of a new plain sale (counted by a proxy)");
    out.push(
      table(
        ["node", "median", "each"],
        suites
          .filter((s) => s.roundTrips)
          .map((s) => [major(s), String(s.roundTrips!.median), s.roundTrips!.perPut.join(", ")]),
      ),
    );
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
