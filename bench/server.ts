// The service under test, as a child process of its own (a given node binary running the built
// dist/server.js, as `npm start` does; bench/run.ts builds it first), so the bench's client load
// never shares its event loop.
// It talks to the bench's PostgreSQL through DATABASE_URL, with rate limits raised out of the way.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { freePort } from "../test/helpers/ports.js";

/** `npm start`'s command after `node` (its flags and dist/server.js), so the bench runs what users run. */
const START_ARGS = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } }).scripts.start
  .split(" ")
  // "exec node …": what follows the node binary.
  .filter((_word, i, words) => !words.slice(0, i + 1).every((w) => w === "exec" || w === "node"));

export interface ServerOptions {
  node: string;
  databaseUrl: string;
  cursorSecret: string;
  /** Extra environment (e.g. DB_POOL_MAX). */
  env?: Record<string, string>;
}

export interface BenchServer {
  baseUrl: string;
  pid: number;
  /** Peak resident memory since start or the last resetPeak (VmHWM), in MB. */
  peakRssMb(): number;
  /** Current resident memory (VmRSS), in MB. */
  rssMb(): number;
  /**
   * CPU time the process has used (user + system, every thread: the JIT's too), in ms; 10 ms ticks.
   * Less at the mercy of other jobs on the machine than wall time.
   */
  cpuMs(): number;
  /** Starts a new peak (Linux: writing 5 to clear_refs resets VmHWM); false when the kernel refuses. */
  resetPeak(): boolean;
  stop(): Promise<void>;
}

/** Servers still running: killed if this process exits first (an interrupted run leaves none behind). */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function statusMb(pid: number, field: "VmHWM" | "VmRSS"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** utime + stime of /proc/<pid>/stat (fields 14 and 15, counted after the command's closing parenthesis), in ms. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
/** USER_HZ: 100 on Linux (what /proc counts in). */
const CLOCK_TICKS = 100;

async function waitReady(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not become ready in 60 s:\n${output()}`);
}

export async function startServer(options: ServerOptions): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(options.node, START_ARGS, {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      CURSOR_SECRET: options.cursorSecret,
      // Request logs are part of a production server's cost: kept at info, written to a pipe the bench drains.
      LOG_LEVEL: "info",
      // Out of the way: the bench measures the service, not its budgets.
      RATE_LIMIT_PER_MINUTE: "100000000",
      RATE_LIMIT_HEAVY_PER_MINUTE: "100000000",
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "100000000",
      DB_STATEMENT_TIMEOUT_MS: "600000",
      REQUEST_TIMEOUT_MS: "600000",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  // Keep only the tail of the output (for errors); drain the rest so the server never blocks on a full pipe.
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-8000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(baseUrl, child, () => tail);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const pid = child.pid!;
  return {
    baseUrl,
    pid,
    peakRssMb: () => statusMb(pid, "VmHWM"),
    rssMb: () => statusMb(pid, "VmRSS"),
    cpuMs: () => cpuMsOf(pid),
    resetPeak() {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
        return true;
      } catch {
        return false;
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
