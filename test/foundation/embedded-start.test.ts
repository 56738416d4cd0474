// The newcomer's path: `npm start` with nothing configured brings the service up on the embedded
// PostgreSQL with demo data; a restart keeps the data and seeds nothing twice. Beside it: a seed
// while it runs, a SIGTERM to npm itself (as a supervisor sends), and settings from .env.
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { envSchema } from "../../src/config/env.js";
import { prose } from "../../src/lib/prose.js";
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
// ("exec node …": npm's shell becomes node.)
const startArgs = packageJson.scripts
  .start!.replace(/^exec /, "")
  .split(" ")
  .slice(1)
  .map((arg) => (/^(\.\/)?dist\//.test(arg) ? path.resolve(arg) : arg));

function start(env: Record<string, string>): Running {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete fullEnv.DATABASE_URL; // the embedded default is what is under test
  return watch(spawn(process.execPath, startArgs, { env: fullEnv, stdio: ["ignore", "pipe", "pipe"] }));
}

function watch(child: ChildProcess): Running {
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Whether a process of this id exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of the service, from its "listening" log line. */
const servicePid = (output: string) =>
  output
    .split("\n")
    .filter((line) => line.startsWith("{") && line.includes("pos-bridge listening"))
    .map((line) => (JSON.parse(line) as { pid: number }).pid)[0];

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

async function query<T>(pgPort: number, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({
    connectionString: `postgresql://postgres:pos-bridge-local@127.0.0.1:${pgPort}/pos_bridge`,
  });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function countRows(pgPort: number) {
  const client = new pg.Client({
    connectionString: `postgresql://postgres:pos-bridge-local@127.0.0.1:${pgPort}/pos_bridge`,
  });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT (SELECT count(*) FROM merchants)::int AS merchants, (SELECT count(*) FROM transactions)::int AS " +
        "transactions, (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM api_keys)::int AS " +
        "keys",
    );
    return rows[0] as { merchants: number; transactions: number; customers: number; keys: number };
  } finally {
    await client.end();
  }
}

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("npm start on the embedded PostgreSQL", () => {
  it(prose`
    when started twice with nothing configured, then it serves the demo, and the second start keeps the same data
    without seeding again
  `, async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      EMBEDDED_PG_DIR: path.join(dir, "postgres"),
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: "info",
    };

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

describe("npm start beside other commands, and stopped by a supervisor", () => {
  it(prose`
    when npm run seed runs while the service runs on the embedded PostgreSQL, then it seeds through that server and the
    data is there
  `, async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      EMBEDDED_PG_DIR: path.join(dir, "seed-beside"),
      EMBEDDED_PG_PORT: String(pgPort),
      SEED_DEMO: "false",
      LOG_LEVEL: "info",
    };
    const service = start(env);
    try {
      await waitReady(port, service);
      const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
      delete fullEnv.DATABASE_URL;
      const seeded = await promisify(execFile)(
        path.resolve("node_modules/.bin/tsx"),
        [
          "scripts/seed.ts",
          "--slug",
          "seeded-beside",
          "--locations",
          "1",
          "--customers",
          "20",
          "--products",
          "5",
          "--transactions",
          "40",
          "--employees",
          "1",
        ],
        { env: fullEnv, timeout: 120_000 },
      ).catch((error: { stderr?: string; message: string }) => {
        throw new Error(`the seed failed: ${error.stderr ?? error.message}`);
      });
      expect(seeded.stdout).toMatch(/merchant seeded-beside/);
      const [row] = await query<{ customers: number; transactions: number }>(
        pgPort,
        "SELECT (SELECT count(*) FROM customers c WHERE c.merchant_id = m.id)::int AS customers, (SELECT count(*) " +
          "FROM transactions t WHERE t.merchant_id = m.id)::int AS transactions FROM merchants m WHERE m.slug = $1",
        ["seeded-beside"],
      );
      expect(row).toEqual({ customers: 20, transactions: expect.any(Number) });
      expect(row!.transactions).toBeGreaterThanOrEqual(40);
      // The service never stopped serving: the seed used its server, not a second one on the same folder.
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      service.child.kill("SIGTERM");
    }
    expect(await service.exited).toBe(0);
  }, 400_000);

  it.each(["start", "run dev"])(
    prose`
    when npm %s itself gets SIGTERM, then the service and its embedded PostgreSQL stop too, and nothing listens on their
    ports
  `,
    async (command) => {
      const [port, pgPort] = [await freePort(), await freePort()];
      const pgDir = path.join(dir, `sigterm-${command.replace(" ", "-")}`);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(port),
        EMBEDDED_PG_DIR: pgDir,
        EMBEDDED_PG_PORT: String(pgPort),
        SEED_DEMO: "false",
        LOG_LEVEL: "info",
      };
      delete env.DATABASE_URL;
      const npm = watch(spawn("npm", command.split(" "), { env, stdio: ["ignore", "pipe", "pipe"] }));
      let pids: number[] = [];
      try {
        await waitReady(port, npm);
        // npm start still runs its prestart (the build) first.
        if (command === "start")
          expect(npm.output()).toMatch(/> pos-bridge@[^\n]* prestart\n> node scripts\/build\.mjs/);
        const service = servicePid(npm.output());
        const postgres = Number((await readFile(path.join(pgDir, "postmaster.pid"), "utf8")).split("\n")[0]);
        pids = [service!, postgres];
        expect(
          pids.every((pid) => Number.isInteger(pid) && pid > 0 && pid !== npm.child.pid && alive(pid)),
          `${pids}`,
        ).toBe(true);

        npm.child.kill("SIGTERM");
        expect(await npm.exited).toBe(0);
        expect(npm.output()).toMatch(/"msg":"stopped"/);
        expect(pids.filter(alive), "processes left running").toEqual([]);
        await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
        await expect(countRows(pgPort)).rejects.toThrow();
      } finally {
        // Whatever a failed run left behind is stopped here, not left to the machine.
        npm.child.kill("SIGKILL");
        for (const pid of pids.filter(alive)) process.kill(pid, "SIGTERM");
      }
    },
    400_000,
  );

  it(prose`
    when .env sets the service's variables, then the built service reads them, and a variable of the real environment
    wins
  `, async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    // Its own working folder (npm runs from the project's; a test must not write the project's .env).
    const cwd = path.join(dir, "dotenv-cwd");
    await mkdir(cwd, { recursive: true });
    await writeFile(
      path.join(cwd, ".env"),
      [
        `PORT=${port}`,
        `EMBEDDED_PG_DIR=${path.join(dir, "dotenv-pg")}`,
        `EMBEDDED_PG_PORT=${pgPort}`,
        "SEED_DEMO=false",
        "LOG_LEVEL=silent",
        "",
      ].join("\n"),
    );
    // The real environment: none of the service's variables but these two (NODE_ENV=test would skip .env).
    const real: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(envSchema.shape)) delete real[name];
    Object.assign(real, { NODE_ENV: "development", LOG_LEVEL: "info" });
    const service = watch(spawn(process.execPath, startArgs, { cwd, env: real, stdio: ["ignore", "pipe", "pipe"] }));
    try {
      // Its first line says which embedded server it starts: .env's (checked before anything listens).
      const deadline = Date.now() + 60_000;
      while (
        !service.output().includes("starting embedded PostgreSQL") &&
        service.child.exitCode === null &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(service.output()).toContain(
        `starting embedded PostgreSQL in ${path.join(dir, "dotenv-pg")} on 127.0.0.1:${pgPort}`,
      );
      await waitReady(port, service);
      // LOG_LEVEL=info from the real environment, not .env's silent.
      expect(service.output()).toContain(`pos-bridge listening on http://localhost:${port}`);
      expect(await countRows(pgPort)).toEqual({ merchants: 0, transactions: 0, customers: 0, keys: 0 });
    } finally {
      service.child.kill("SIGTERM");
    }
    expect(await service.exited).toBe(0);
  }, 400_000);
});
