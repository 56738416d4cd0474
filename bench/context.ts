// What every measurement of a suite shares (the database for baselines, the server under test, a
// client with the bench's key, the run's options), and what a suite takes and gives back.
import type pg from "pg";
import type { ExportResult } from "./export.js";
import type { BenchClient } from "./http.js";
import type { LookupResult } from "./lookups.js";
import type { PagesResult } from "./pages.js";
import type { BenchServer } from "./server.js";
import type { ThroughputResult } from "./throughput.js";
import type { WriteRun } from "./writes.js";

export interface SuiteOptions {
  /** Timed samples per latency figure. */
  samples: number;
  /** Seconds per autocannon run and per timed write run. */
  seconds: number;
  /** Records of the large export (and its COPY baselines); null: every transaction. */
  exportMax: number | null;
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
  log(line: string): void;
}

export const SECTIONS = ["pages", "throughput", "lookups", "export", "writes"] as const;
export type Section = (typeof SECTIONS)[number];

export interface SuiteInput {
  databaseUrl: string;
  merchantId: string;
  transactions: number;
  apiKey: string;
  cursorSecret: string;
  upper: string;
  runId: string;
  sections: Section[];
  options: SuiteOptions;
  resultFile: string;
}

export interface SuiteResult {
  node: string;
  startedAt: string;
  loadBefore: number[];
  loadAfter: number[];
  pages?: PagesResult;
  throughput?: ThroughputResult[];
  lookups?: LookupResult[];
  export?: ExportResult;
  writes?: WriteRun[];
}
