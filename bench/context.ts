// What every measurement of a suite shares (the database for baselines, the server under test, a
// client with the bench's key, the run's options), and what a suite takes and gives back.
import type pg from "pg";
import type { ShapeName } from "./dataset.js";
import type { ExportResult } from "./export.js";
import type { BenchClient } from "./http.js";
import type { LookupResult } from "./lookups.js";
import type { PagesResult } from "./pages.js";
import type { PlanningResult } from "./planning.js";
import type { PollResult } from "./polls.js";
import type { BenchServer } from "./server.js";
import type { ThroughputResult } from "./throughput.js";
import type { RoundTrips, WriteRun } from "./writes.js";

export interface SuiteOptions {
  /** Timed samples per latency figure. */
  samples: number;
  /** Seconds per autocannon run and per timed write run. */
  seconds: number;
  /** Records of the large export (and its COPY baselines); null: every transaction. */
  exportMax: number | null;
  /** Page sizes measured (default 100 and 1,000; test/bench measures 100 only, to stay quick). */
  pageLimits?: number[];
}

export interface SuiteContext {
  pool: pg.Pool;
  server: BenchServer;
  client: BenchClient;
  apiKey: string;
  cursorSecret: string;
  merchantId: string;
  transactions: number;
  /** Change-time bound for baselines: every seeded row is below it. */
  upper: string;
  options: SuiteOptions;
  /** The database's URL (the suite's own servers connect to it). */
  databaseUrl: string;
  log(line: string): void;
}

export const SECTIONS = ["pages", "polls", "planning", "throughput", "lookups", "export", "writes"] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * The sections a phase measures of those asked: after ANALYZE, all of them; before ANALYZE, every read
 * section (all but writes), so both phases run the same reads in the same order (bench/suite.ts) and
 * the server under test has answered the same requests before each measurement. When the before-ANALYZE
 * run left out planning and throughput, the analysed run's lookups came after tens of thousands of page
 * requests and its own after a few hundred: a fresh Node 20 server spent ~2.4 ms of CPU per phone lookup,
 * ~1.1 ms after 3,000 page requests, most of the 2.36× "before ANALYZE" the phone lookup showed on demo
 * with the same plan in both phases.
 */
export function phaseSections(phase: Phase, asked: readonly Section[]): Section[] {
  return phase === "settled" ? [...asked] : asked.filter((section) => section !== "writes");
}

/** "fresh": right after loading, before ANALYZE (statistics cleared); "settled": analysed. */
export type Phase = "fresh" | "settled";

export interface SuiteInput {
  shape: ShapeName;
  phase: Phase;
  databaseUrl: string;
  merchantId: string;
  transactions: number;
  apiKey: string;
  /** many: the 100,000-receipt merchant, whose month reports are measured too. */
  peer: { merchantId: string; apiKey: string } | null;
  cursorSecret: string;
  upper: string;
  runId: string;
  sections: Section[];
  options: SuiteOptions;
  /**
   * Bench-only slowdown (test/bench): every answer PostgreSQL sends the server under test is held
   * this long by the bench's proxy, a deliberately slowed read. 0: no proxy in the way.
   */
  slowReadMs: number;
  resultFile: string;
}

export interface SuiteResult {
  shape: ShapeName;
  phase: Phase;
  node: string;
  startedAt: string;
  loadBefore: number[];
  loadAfter: number[];
  /**
   * How long PostgreSQL had been up when the suite started: the first suite of each phase starts on a
   * database restarted just before it (empty shared buffers), the others on what earlier suites read.
   */
  databaseUpSeconds?: number;
  pages?: PagesResult;
  polls?: PollResult;
  planning?: PlanningResult;
  throughput?: ThroughputResult[];
  lookups?: LookupResult[];
  peerLookups?: LookupResult[];
  export?: ExportResult;
  writes?: WriteRun[];
  roundTrips?: RoundTrips;
}
