// The newcomer's path: `npm start` with nothing configured brings the service up on the embedded
// PostgreSQL with demo data; a restart keeps the data and seeds nothing twice.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports.js";

const dir = path.resolve(".data/test-runs", `embedded-start-${process.pid}`);

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

// What `npm start` runs, without npm in between: its prestart (the build), then the built server.
const packageJson = JSON.parse(await readFile("package.json", "utf8")) as { scripts: Record<string, string> };
execFileSync(process.execPath, packageJson.scripts.prestart!.split(" ").slice(1), { stdio: "inherit" });
const startArgs = packageJson.scripts.start!.split(" ").slice(1);

function start(env: Record<string, string>): Running {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete fullEnv.DATABASE_URL; // the embedded default is what is under test
  const child = spawn(process.execPath, startArgs, { env: fullEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitReady(port: number, running: Running, timeoutMs = 180_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) throw new Error(`the service exited early:\n${running.output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) return res;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready in time:\n${running.output()}`);
}

async function countRows(pgPort: number) {
  const client = new pg.Client({ connectionString: `postgresql://postgres:pos-bridge-local@127.0.0.1:${pgPort}/pos_bridge` });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT (SELECT count(*) FROM merchants)::int AS merchants, (SELECT count(*) FROM transactions)::int AS transactions, (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM api_keys)::int AS keys",
    );
    return rows[0] as { merchants: number; transactions: number; customers: number; keys: number };
  } finally {
    await client.end();
  }
}

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("npm start on the embedded PostgreSQL", () => {
  it("when started twice with nothing configured, then it serves the demo, and the second start keeps the same data without seeding again", async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const env = { PORT: String(port), EMBEDDED_PG_DIR: path.join(dir, "postgres"), EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: "info" };

    const first = start(env);
    try {
      const ready = await waitReady(port, first);
      expect(((await ready.json()) as { status: string }).status).toBe("ready");
      const key = /Sandbox API key[^\n]*\n\s*\n\s*(pb_test_\S+)/.exec(first.output())?.[1];
      expect(key, first.output()).toBeDefined();
      // The same key is kept beside the data folder, for a developer who missed the console.
      expect((await readFile(path.join(dir, "demo-key.txt"), "utf8")).trim()).toBe(key);
      const whoami = await fetch(`http://127.0.0.1:${port}/v1/whoami`, { headers: { "x-apikey": key! } });
      expect(whoami.status).toBe(200);
    } finally {
      first.child.kill("SIGTERM");
    }
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/stopped/);
    // The embedded server was stopped with the service: nothing listens on its port until the next start.
    await expect(countRows(pgPort)).rejects.toThrow();

    const second = start(env);
    try {
      await waitReady(port, second);
      const counts = await countRows(pgPort);
      expect(counts.merchants).toBe(1);
      expect(counts.transactions).toBeGreaterThan(10_000);
      expect(counts.customers).toBeGreaterThan(1_000);
      expect(counts.keys).toBe(1);
      expect(second.output()).not.toMatch(/seeding the demo merchant/);
      expect(second.output()).not.toMatch(/Sandbox API key for the demo merchant/);
    } finally {
      second.child.kill("SIGTERM");
    }
    expect(await second.exited).toBe(0);
  }, 400_000);
});
