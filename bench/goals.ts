// The goals, each judged met or missed per shape and Node version from the figures of one
// run (ratios of figures taken in the same run wherever the goal allows it). Every goal can fail:
// test/bench/goals.test.ts slows the server's reads and sees them missed.
import type { SuiteResult } from "./context.js";
import type { ShapeName } from "./dataset.js";
import { GOAL_REPORTS } from "./lookups.js";

export const GOALS = {
  /** NDJSON export receipts/s ÷ COPY of the raw rows' receipts/s. */
  exportShareOfCopy: 0.5,
  /** 1,000-receipt page: HTTP p50 ÷ the flat prepared SELECT (the floor). */
  page1000FloorRatio: 2,
  /** 100-receipt page: HTTP p50 ÷ the best hand-written SQL. */
  page100SqlRatio: 1.3,
  /** demo and many per receipt ÷ big per receipt. */
  perReceiptVsBig: 1.5,
  /** before ANALYZE ÷ after. */
  freshVsSettled: 1.5,
  exportRssMb: 200,
  /** Empty continuation poll p50 ÷ the bare node:http + pg server's. */
  pollRatio: 1.3,
  monthReportMs: 200,
  /** big's month report ÷ the same month on the 100,000-receipt merchant. */
  reportVsHundredK: 1.5,
  putRoundTrips: 3,
  /** Single PUTs at 8 at once, receipts/s: twice the best of today's (133–204/s). */
  put8PerSecond: 408,
  deepRatio: 1.2,
  batchLinesPerSecond: 5000,
} as const;

export type GoalStatus = "met" | "missed" | "not measured";

export interface GoalRow {
  shape: ShapeName;
  node: string;
  goal: string;
  measured: string;
  status: GoalStatus;
}

export const nodeOf = (s: SuiteResult) => `Node ${s.node.replace(/^v/, "").split(".")[0]}`;
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "–");
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const status = (ok: boolean): GoalStatus => (ok ? "met" : "missed");
const worst = <T>(items: T[], by: (t: T) => number): T => items.reduce((a, b) => (by(b) > by(a) ? b : a));

/** Per receipt, ms: HTTP p50 of the first page of each size ÷ its receipts; the export's ms per receipt. */
function perReceipt(s: SuiteResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of s.pages?.pages ?? []) if (p.place === "start") out[`page of ${p.limit}`] = p.http.p50 / p.limit;
  const full = s.export?.http.at(-1);
  if (full) out.export = 1000 / full.recordsPerSecond;
  return out;
}

/** Comparable figures of a suite (ms: lower is better), for fresh against settled. */
function figures(s: SuiteResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of s.pages?.pages ?? []) out[`page of ${p.limit} ${p.place}`] = p.http.p50;
  for (const l of s.lookups ?? []) out[l.name] = l.latency.p50;
  if (s.polls) out["empty poll"] = s.polls.service.p50;
  const full = s.export?.http.at(-1);
  if (full) out["export per receipt"] = 1000 / full.recordsPerSecond;
  return out;
}

/** The worst ratio a/b over the figures both have. */
function worstRatio(a: Record<string, number>, b: Record<string, number>): { name: string; ratio: number } | null {
  const names = Object.keys(a).filter((n) => n in b && b[n]! > 0);
  if (!names.length) return null;
  const name = worst(names, (n) => a[n]! / b[n]!);
  return { name, ratio: a[name]! / b[name]! };
}

/** "median of 7 turns, 0.45-0.70x; " when the export was measured in turns (bench/export.ts), else nothing. */
function turnsOf(e: NonNullable<SuiteResult["export"]>): string {
  if (!e.turns || e.turns < 2 || !e.floorRatios) return "";
  return `median of ${e.turns} turns, ${x(Math.min(...e.floorRatios))}–${x(Math.max(...e.floorRatios))}; `;
}

function suiteGoals(s: SuiteResult): GoalRow[] {
  const rows: GoalRow[] = [];
  const row = (goal: string, measured: string, st: GoalStatus) =>
    rows.push({ shape: s.shape, node: nodeOf(s), goal, measured, status: st });
  if (s.export) {
    row(
      `NDJSON export ≥ ${GOALS.exportShareOfCopy}× COPY of the raw rows (receipts/s)`,
      `${x(s.export.floorRatio)} (${turnsOf(s.export)}${x(s.export.ratio)} of COPY of the same JSON)`,
      status(s.export.floorRatio >= GOALS.exportShareOfCopy),
    );
    const peak = Math.max(...s.export.http.map((r) => r.peakRssMb ?? Number.NaN));
    row(
      `export: server peak RSS < ${GOALS.exportRssMb} MB`,
      `${ms(peak)} MB`,
      Number.isNaN(peak) ? "not measured" : status(peak < GOALS.exportRssMb),
    );
  }
  if (s.pages) {
    const k = s.pages.pages.filter((p) => p.limit === 1000);
    if (k.length) {
      const w = worst(k, (p) => p.floorRatio);
      row(
        `page of 1,000: HTTP p50 ≤ ${GOALS.page1000FloorRatio}× the flat prepared SELECT (floor)`,
        `worst ${x(w.floorRatio)} (${w.place}; ${x(w.ratio)} of the best SQL)`,
        status(k.every((p) => p.floorRatio <= GOALS.page1000FloorRatio)),
      );
    }
    const h = s.pages.pages.filter((p) => p.limit === 100);
    if (h.length) {
      const w = worst(h, (p) => p.ratio);
      row(
        `page of 100: HTTP p50 ≤ ${GOALS.page100SqlRatio}× the best hand-written SQL`,
        `worst ${x(w.ratio)} (${w.place}; bare HTTP ${x(w.bareRatio)}; ${x(w.floorRatio)} of the floor)`,
        status(h.every((p) => p.ratio <= GOALS.page100SqlRatio)),
      );
    }
    const deepWorst = Math.max(...s.pages.deep.map((d) => d.httpRatio));
    row(
      `deep page ÷ first page ≤ ${GOALS.deepRatio}`,
      s.pages.deep.map((d) => `${d.limit} rows ${x(d.httpRatio)}`).join(", "),
      status(deepWorst <= GOALS.deepRatio),
    );
  }
  if (s.planning) {
    const p = s.planning;
    const names = p.plannedPerRequest.map((st) => `${st.plans}/${st.calls}: ${st.query.slice(0, 60)}`).join("; ");
    row(
      "no statement on a request's path planned per request once warm",
      p.plannedPerRequest.length
        ? `${p.plannedPerRequest.length} of ${p.statements.length} (${names})`
        : `0 of ${p.statements.length} statements`,
      status(p.plannedPerRequest.length === 0),
    );
  }
  if (s.polls)
    row(
      `empty continuation poll ≤ ${GOALS.pollRatio}× a bare node:http + pg server`,
      `${x(s.polls.ratio)} (${ms(s.polls.service.p50)} ms against ${ms(s.polls.bare.p50)} ms)`,
      status(s.polls.ratio <= GOALS.pollRatio),
    );
  if (s.shape === "big" && s.lookups) {
    const reports = s.lookups.filter((l) => GOAL_REPORTS.includes(l.name));
    if (reports.length) {
      const w = worst(reports, (l) => l.latency.p50);
      row(
        `month's sales by product and customers report: p50 < ${GOALS.monthReportMs} ms`,
        `worst ${ms(w.latency.p50)} ms (${w.name})`,
        status(w.latency.p50 < GOALS.monthReportMs),
      );
    }
  }
  if (s.roundTrips)
    row(
      `single PUT of a new plain sale: ≤ ${GOALS.putRoundTrips} round trips to PostgreSQL`,
      `${s.roundTrips.median} (each: ${s.roundTrips.perPut.join(", ")})`,
      status(s.roundTrips.median <= GOALS.putRoundTrips),
    );
  if (s.writes) {
    const put8 = s.writes.find((w) => w.api === "put" && w.concurrency === 8);
    if (put8)
      row(
        `single PUTs, 8 at once: ≥ ${GOALS.put8PerSecond} receipts/s (2× today's best)`,
        `${Math.round(put8.receiptsPerSecond)} receipts/s`,
        status(put8.receiptsPerSecond >= GOALS.put8PerSecond),
      );
    const batches = s.writes.filter((w) => w.api === "batch");
    if (batches.length) {
      const best = Math.max(...batches.map((w) => w.linesPerSecond));
      row(
        `batch writes ≥ ${GOALS.batchLinesPerSecond.toLocaleString("en-US")} line items/s`,
        `${Math.round(best).toLocaleString("en-US")} lines/s`,
        status(best >= GOALS.batchLinesPerSecond),
      );
    }
  }
  return rows;
}

/** Every goal of a run: per settled suite, then those comparing shapes and phases. */
export function evaluateGoals(suites: SuiteResult[]): GoalRow[] {
  const settled = suites.filter((s) => s.phase === "settled");
  const rows = settled.flatMap(suiteGoals);
  for (const s of settled) {
    const node = nodeOf(s);
    const push = (goal: string, measured: string, st: GoalStatus) =>
      rows.push({ shape: s.shape, node, goal, measured, status: st });
    // Before ANALYZE against after, same shape and Node.
    const fresh = suites.find((f) => f.phase === "fresh" && f.shape === s.shape && nodeOf(f) === node);
    const freshGoal = `before ANALYZE within ${GOALS.freshVsSettled}× of after`;
    if (fresh) {
      const w = worstRatio(figures(fresh), figures(s));
      if (w) push(freshGoal, `worst ${x(w.ratio)} (${w.name})`, status(w.ratio <= GOALS.freshVsSettled));
      else push(freshGoal, "no figure in both", "not measured");
    } else push(freshGoal, "no before-ANALYZE run", "not measured");
    // Per receipt against big, same Node.
    if (s.shape !== "big") {
      const big = settled.find((b) => b.shape === "big" && nodeOf(b) === node);
      const goal = `per receipt within ${GOALS.perReceiptVsBig}× of big`;
      const w = big ? worstRatio(perReceipt(s), perReceipt(big)) : null;
      if (w) push(goal, `worst ${x(w.ratio)} (${w.name})`, status(w.ratio <= GOALS.perReceiptVsBig));
      else push(goal, big ? "no figure in both" : "big not in this run", "not measured");
    }
    // big's month reports against the same month on the 100,000-receipt merchant of many.
    if (s.shape === "big" && s.lookups) {
      const peer = settled.find((m) => m.shape === "many" && nodeOf(m) === node)?.peerLookups;
      const goal = `month reports within ${GOALS.reportVsHundredK}× of the same month on a 100,000-receipt merchant`;
      const mine = Object.fromEntries(
        s.lookups.filter((l) => GOAL_REPORTS.includes(l.name)).map((l) => [l.name, l.latency.p50]),
      );
      const w = peer ? worstRatio(mine, Object.fromEntries(peer.map((l) => [l.name, l.latency.p50]))) : null;
      if (w) push(goal, `worst ${x(w.ratio)} (${w.name})`, status(w.ratio <= GOALS.reportVsHundredK));
      else push(goal, peer ? "no report in both" : "many not in this run", "not measured");
    }
  }
  return rows;
}
