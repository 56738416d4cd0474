// Every goal of the bench can fail: the bench's page and empty-poll measurements, run for real on a
// tiny dataset, once as it is and once with the server's reads slowed (its bench-only switch: a
// proxy that holds every answer PostgreSQL sends the server under test), and judged by the bench's
// own goal evaluation. Pages of 100 only, to stay quick (the page of 1,000 is measured the same way).
// The same two runs show the page's HTTP floor (bench/bare-server.ts) computed and printed.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { SuiteInput, SuiteResult } from "../../bench/context.js";
import { evaluateGoals, type GoalRow } from "../../bench/goals.js";
import { renderReport } from "../../bench/report.js";
import { runSuite } from "../../bench/run-suite.js";
import { createKey } from "../../src/keys/manage.js";
import { SCOPES } from "../../src/keys/scopes.js";
import { prose } from "../../src/lib/prose.js";
import { seedDatabase } from "../../src/seed/index.js";
import { createTestDb, type TestDb } from "../helpers/db.js";

const SLOW_MS = 40;
let db: TestDb;
let input: Omit<SuiteInput, "resultFile">;
let normal: SuiteResult;
let slowed: SuiteResult;

beforeAll(async () => {
  db = await createTestDb();
  const { merchantsCreated, transactions } = await seedDatabase(db.pool, {
    seed: 11,
    merchants: 1,
    merchantSlug: "bench-goals",
    locationsPerMerchant: 1,
    employeesPerLocation: 1,
    customersPerMerchant: 100,
    productsPerMerchant: 30,
    transactionsPerMerchant: 1_100,
    months: 2,
  });
  const merchantId = merchantsCreated[0]!.id;
  const { key } = await createKey(db, { merchantId, name: "bench run", scopes: [...SCOPES], environment: "test" });
  // The servers under test run the built JavaScript, as `npm start` does.
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "ignore" });
  input = {
    shape: "demo",
    phase: "settled",
    databaseUrl: db.url,
    merchantId,
    transactions,
    apiKey: key,
    peer: null,
    cursorSecret: randomBytes(24).toString("base64url"),
    upper: new Date().toISOString(),
    runId: "test",
    sections: ["pages", "polls"],
    options: { samples: 5, seconds: 1, exportMax: null, pageLimits: [100] },
    slowReadMs: 0,
  };
  normal = await runSuite(process.execPath, input, "ignore");
  slowed = await runSuite(process.execPath, { ...input, slowReadMs: SLOW_MS }, "ignore");
}, 240_000);

const goal = (suite: SuiteResult, start: string): GoalRow | undefined =>
  evaluateGoals([suite]).find((g) => g.goal.startsWith(start));
const startPage = (suite: SuiteResult) => suite.pages!.pages.find((p) => p.limit === 100 && p.place === "start")!;

describe("the bench's goals", () => {
  it(prose`
    when the server's reads are slowed, then the page and poll goals are marked missed, their figures slower by the
    delay
  `, () => {
    expect(goal(slowed, "page of 100")?.status).toBe("missed");
    expect(goal(slowed, "empty continuation poll")?.status).toBe("missed");
    // The same measurements on the same data: only the slowdown differs. Each request waited for at
    // least one held answer, while the SQL baselines, the floor and the bare server (read directly) did not.
    expect(startPage(slowed).http.p50 - startPage(normal).http.p50).toBeGreaterThan(SLOW_MS * 0.9);
    expect(slowed.polls!.service.p50 - normal.polls!.service.p50).toBeGreaterThan(SLOW_MS * 0.9);
    expect(slowed.polls!.ratio).toBeGreaterThan(normal.polls!.ratio);
  });

  it(prose`
    when pages are measured, then the HTTP floor (a bare node:http server doing the pg-json baseline's work) is
    computed, printed beside the service's figures and in the page of 100's evidence, and is not slowed with the
    service's reads
  `, () => {
    for (const suite of [normal, slowed]) {
      for (const page of suite.pages!.pages) {
        expect(page.bareHttp.n).toBe(input.options.samples);
        expect(page.bareHttp.p50).toBeGreaterThan(0);
        expect(page.bareRatio).toBeCloseTo(page.bareHttp.p50 / page.baselines[page.baseline]!.p50, 6);
      }
    }
    const page100 = goal(normal, "page of 100")!;
    const worstPage = normal.pages!.pages.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    expect(page100.measured).toContain(`bare HTTP ${worstPage.bareRatio.toFixed(2)}×`);
    // The floor reads the database directly: the slowed service pays the delay, the bare server does not.
    expect(goal(slowed, "page of 100")?.status).toBe("missed");
    expect(startPage(slowed).http.p50 - startPage(slowed).bareHttp.p50).toBeGreaterThan(SLOW_MS * 0.9);
    expect(startPage(slowed).bareHttp.p50).toBeLessThan(startPage(slowed).http.p50);

    const text = renderReport({
      startedAt: normal.startedAt,
      finishedAt: normal.startedAt,
      machine: { cpus: 2, cpuModel: "test", memoryGb: 1, kernel: "test" },
      shapes: [
        {
          shape: "demo",
          description: "test",
          dir: "test",
          merchantId: input.merchantId,
          counts: { merchants: 1, locations: 1, customers: 100, products: 30, transactions: 1_100, lineItems: 0 },
          build: null,
          builtNow: false,
        },
      ],
      options: {},
      suites: [normal],
      goals: evaluateGoals([normal]),
      skipped: [],
    });
    expect(text).toContain("bare HTTP p50");
    const row = text.split("\n").find((line) => line.startsWith("| 100 rows, start |"))!;
    expect(row).toContain(`| ${startPage(normal).bareHttp.p50.toFixed(1)} |`);
    expect(row).toContain(`| ${startPage(normal).bareRatio.toFixed(2)}× |`);
    expect(text).toContain(page100.measured);
  });
});
