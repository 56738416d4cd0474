// Every goal of the bench can fail: the bench's page measurement, run for real on a tiny dataset,
// once as it is and once with the server's reads slowed (its bench-only switch: a proxy that holds
// every answer PostgreSQL sends the server under test), and judged by the bench's own goal
// evaluation.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { SuiteInput, SuiteResult } from "../../bench/context.js";
import { evaluateGoals, type GoalRow } from "../../bench/goals.js";
import { runSuite } from "../../bench/run-suite.js";
import { createKey } from "../../src/keys/manage.js";
import { SCOPES } from "../../src/keys/scopes.js";
import { seedDatabase } from "../../src/seed/index.js";
import { createTestDb, type TestDb } from "../helpers/db.js";

const SLOW_MS = 40;
let db: TestDb;
let input: Omit<SuiteInput, "resultFile">;

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
    sections: ["pages"],
    options: { samples: 5, seconds: 1, exportMax: null },
    slowReadMs: 0,
  };
}, 120_000);

const pageGoals = (suite: SuiteResult): Record<string, GoalRow> =>
  Object.fromEntries(evaluateGoals([suite]).filter((g) => g.goal.startsWith("page of")).map((g) => [g.goal.slice(0, 12), g]));
const startPage = (suite: SuiteResult, limit: number) => suite.pages!.pages.find((p) => p.limit === limit && p.place === "start")!;

describe("the bench's goals", () => {
  it("when the server's reads are slowed, then the page goals are marked missed and their ratios grow by the delay", async () => {
    const normal = await runSuite(process.execPath, input, "ignore");
    const slowed = await runSuite(process.execPath, { ...input, slowReadMs: SLOW_MS }, "ignore");

    const goals = pageGoals(slowed);
    expect(goals["page of 1,00"]?.status).toBe("missed");
    expect(goals["page of 100:"]?.status).toBe("missed");
    // The same measurement, the same data: only the slowdown differs, and each HTTP page waited for
    // at least one held answer while the SQL baselines and the floor (read directly) did not.
    for (const limit of [100, 1000]) {
      expect(startPage(slowed, limit).http.p50 - startPage(normal, limit).http.p50).toBeGreaterThan(SLOW_MS * 0.9);
      expect(startPage(slowed, limit).floorRatio).toBeGreaterThan(startPage(normal, limit).floorRatio);
    }
  }, 180_000);
});
