// Starts one suite (bench/suite.ts) as a child process of the given node binary and reads its result.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SuiteInput, SuiteResult } from "./context.js";

/** Suites still running (bench/run.ts stops them when interrupted). */
export const runningSuites = new Set<ChildProcess>();

export function runSuite(
  node: string,
  input: Omit<SuiteInput, "resultFile">,
  stdio: "inherit" | "ignore" = "inherit",
): Promise<SuiteResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pos-bridge-bench-"));
  const resultFile = path.join(dir, "result.json");
  const child = spawn(node, ["--import", "tsx", path.join("bench", "suite.ts")], {
    env: { ...process.env, BENCH_SUITE: JSON.stringify({ ...input, resultFile }) },
    stdio: ["ignore", stdio, stdio === "ignore" ? "pipe" : "inherit"],
  });
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    errors = (errors + chunk.toString("utf8")).slice(-4000);
  });
  runningSuites.add(child);
  return new Promise((resolve, reject) => {
    child.on("exit", (code, signal) => {
      runningSuites.delete(child);
      try {
        if (code !== 0) throw new Error(`the ${node} suite failed (${signal ?? code})${errors ? `:\n${errors}` : ""}`);
        resolve(JSON.parse(readFileSync(resultFile, "utf8")) as SuiteResult);
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
