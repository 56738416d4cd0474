// The one-off commands and the service as a user runs them: settings from .env (the real
// environment wins), and a failure that says what went wrong — never "undefined".
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { envSchema } from "../../src/config/env.js";
import { describeError } from "../../src/lib/describe-error.js";
import { prose } from "../../src/lib/prose.js";
import { freePort } from "../helpers/ports.js";

const exec = promisify(execFile);
const root = process.cwd();
const tsx = path.join(root, "node_modules", ".bin", "tsx");
// Under .data: the embedded PostgreSQL's own user must be able to reach its data folder.
const runs = path.join(root, ".data", "test-runs");
// (Not mkdtemp: its folders are private to this user.)
const work = path.join(runs, `commands-${process.pid}`);
mkdirSync(work, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ENTRIES: Record<string, string[]> = {
  "the service (npm start, npm run dev)": ["src/server.ts"],
  "npm run seed": ["scripts/seed.ts", "--customers", "1", "--products", "1", "--transactions", "1", "--locations", "1"],
  "npm run keys": ["scripts/keys.ts", "merchants"],
  "npm run db:migrate": ["scripts/migrate.ts"],
  "npm run db:migration": ["scripts/create-migration.ts", "never_written"],
};

/** The environment of this test run without any of the service's variables: each test sets its own. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(envSchema.shape)) delete env[name];
  return env;
}

async function run(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(
      tsx,
      args.map((a, i) => (i === 0 ? path.join(root, a) : a)),
      { ...options, timeout: 120_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A folder to run from, holding this .env. */
function folderWith(dotenv: string): string {
  const cwd = mkdtempSync(path.join(work, "cwd-"));
  writeFileSync(path.join(cwd, ".env"), dotenv);
  return cwd;
}

const SLOW = { timeout: 300_000 };

describe(".env", () => {
  it(
    prose`
    when .env sets a variable, then every entry point reads it; when the real environment sets the same one, the real
    value wins
  `,
    SLOW,
    async () => {
      // Two bad values in .env; the real environment overrides one of them. Each entry point must
      // refuse the other (it read .env) and not the overridden one (the real environment won).
      const cwd = folderWith("PORT=-1\nLOG_LEVEL=loud\n");
      // Should .env be ignored, the embedded server would fail at once (its folder under a file), not start.
      const nowhere = {
        EMBEDDED_PG_DIR: path.join(cwd, ".env", "postgres"),
        EMBEDDED_PG_PORT: String(await freePort()),
      };
      for (const [name, args] of Object.entries(ENTRIES)) {
        const result = await run(args, {
          cwd,
          env: { ...baseEnv(), NODE_ENV: "development", LOG_LEVEL: "info", ...nowhere },
        });
        expect(result.code, `${name}: ${result.stderr}`).not.toBe(0);
        expect(result.stderr, name).toMatch(/Invalid environment:[\s\S]*PORT/);
        expect(result.stderr, name).not.toMatch(/LOG_LEVEL/);
      }
    },
  );

  it("when .env sets a good value, then it takes effect", SLOW, async () => {
    // keys with the DATABASE_URL of .env: it connects there (nothing listens: refused) instead of starting the embedded
    // server.
    const port = await freePort();
    const cwd = folderWith(`DATABASE_URL=postgresql://postgres:x@127.0.0.1:${port}/pos_bridge\n`);
    const nowhere = { EMBEDDED_PG_DIR: path.join(cwd, ".env", "postgres"), EMBEDDED_PG_PORT: String(await freePort()) };
    const result = await run(ENTRIES["npm run keys"]!, {
      cwd,
      env: { ...baseEnv(), NODE_ENV: "development", ...nowhere },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`keys failed: Can't reach database server at \`127.0.0.1:${port}\``);
  });

  it("when the real environment says NODE_ENV=test (a test run), then .env is not read", SLOW, async () => {
    const cwd = folderWith("PORT=-1\n");
    const port = await freePort();
    const result = await run(ENTRIES["npm run keys"]!, {
      cwd,
      env: { ...baseEnv(), NODE_ENV: "test", DATABASE_URL: `postgresql://postgres:x@127.0.0.1:${port}/pos_bridge` },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/PORT/);
    expect(result.stderr).toContain(`keys failed: Can't reach database server at \`127.0.0.1:${port}\``);
  });
});

describe("a command that fails", () => {
  it(
    prose`
    when the embedded PostgreSQL cannot start (its port taken by something else), then every command and the service say
    so, in PostgreSQL's words
  `,
    SLOW,
    async () => {
      // Something that is not PostgreSQL holds the port: the commands' probe fails, and so does the server they start.
      const blocker = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
      const port = (blocker.address() as { port: number }).port;
      try {
        const env = {
          ...baseEnv(),
          NODE_ENV: "development",
          EMBEDDED_PG_DIR: path.join(work, "postgres"),
          EMBEDDED_PG_PORT: String(port),
        };
        const scripts: [string, string[]][] = [
          ["seed", ENTRIES["npm run seed"]!],
          ["keys", ENTRIES["npm run keys"]!],
          ["db:migrate", ENTRIES["npm run db:migrate"]!],
          ["db:migration", ENTRIES["npm run db:migration"]!],
        ];
        for (const [name, args] of scripts) {
          const result = await run(args, { cwd: root, env });
          expect(result.code, `${name}: ${result.stderr}`).toBe(1);
          expect(result.stderr, name).toContain(
            `${name} failed: the embedded PostgreSQL in ${path.join(work, "postgres")} did not start on ` +
              `127.0.0.1:${port}`,
          );
          expect(result.stderr, name).toMatch(/Address already in use/);
          expect(result.stderr, name).not.toMatch(/undefined/);
        }
        // The service logs it as its last word, with the reason.
        const service = await run(ENTRIES["the service (npm start, npm run dev)"]!, {
          cwd: root,
          env: { ...env, LOG_LEVEL: "info" },
        });
        expect(service.code, service.stdout).toBe(1);
        const fatal = service.stdout
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string })
          .find((entry) => entry.level === 60);
        expect(fatal?.msg, service.stdout).toBe("could not open the database");
        expect(fatal?.reason).toContain(
          `the embedded PostgreSQL in ${path.join(work, "postgres")} did not start on 127.0.0.1:${port}`,
        );
        expect(fatal?.reason).toMatch(/Address already in use/);
      } finally {
        blocker.close();
      }
    },
  );
});

describe("describeError", () => {
  it(prose`
    when an error has no message of its own, then its code, inner errors or type say what went wrong, never undefined
  `, () => {
    const refused = Object.assign(
      new AggregateError([
        Object.assign(new Error("connect ECONNREFUSED ::1:5432"), { code: "ECONNREFUSED" }),
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      ]),
      { code: "ECONNREFUSED" },
    );
    expect(describeError(refused)).toBe("connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432");
    expect(describeError(undefined)).toBe("failed without a reason");
    expect(describeError(Object.assign(new Error(""), { code: "EACCES" }))).toBe("Error (EACCES)");
    expect(describeError(new Error("could not migrate", { cause: new Error("relation x does not exist") }))).toBe(
      "could not migrate: relation x does not exist",
    );
  });
});
