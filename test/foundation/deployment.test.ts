// docker-compose.yml and the Dockerfile cannot run here (no Docker engine); what can be checked is
// that they say what the service needs, and that they agree with `npm start` and the env schema.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envSchema } from "../../src/config/env.js";
import { STALL_BOUNDS } from "../../src/db/embedded.js";
import { prose } from "../../src/lib/prose.js";

const compose = parse(await readFile("docker-compose.yml", "utf8"));
const dockerfile = await readFile("Dockerfile", "utf8");
const packageJson = JSON.parse(await readFile("package.json", "utf8"));
const envKeys = Object.keys(envSchema.shape);

describe("deployment files", () => {
  it("when the image starts, then it runs the same command as npm start, built the same way", () => {
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    // npm's shell execs node (one process, which a supervisor's SIGTERM reaches); the image runs node itself.
    expect(packageJson.scripts.start).toBe(
      "exec node --max-semi-space-size=8 --enable-source-maps --import ./dist/telemetry/register.js dist/server.js",
    );
    expect(JSON.parse(cmd![1]!)).toEqual(packageJson.scripts.start.replace(/^exec /, "").split(" "));
    expect(dockerfile).toContain(`RUN ${packageJson.scripts.prestart}`);
    expect(dockerfile.indexOf("RUN node scripts/build.mjs")).toBeLessThan(dockerfile.indexOf("USER node"));
    // NODE_ENV=production is set before the install: without --include=dev npm would skip the prisma CLI.
    expect(dockerfile).toMatch(/RUN npm ci --include=dev/);
  });

  it("when compose runs, then PostgreSQL has a volume and a healthcheck, and the service waits for it", () => {
    expect(compose.services.db.volumes[0]).toMatch(/^pgdata:/);
    expect(compose.volumes).toHaveProperty("pgdata");
    expect(compose.services.db.healthcheck.test.join(" ")).toMatch(/pg_isready/);
    expect(compose.services.api.depends_on.db.condition).toBe("service_healthy");
    expect(compose.services.api.healthcheck.test.join(" ")).toMatch(/\/readyz/);
    expect(compose.services.api.build).toBe(".");
  });

  it(prose`
    when compose runs PostgreSQL, then it bounds idle-in-transaction sessions and statements as the embedded server does
    (a session holding a transaction id stalls every feed)
  `, () => {
    const command = compose.services.db.command as string[];
    expect(command[0]).toBe("postgres");
    const settings = command.slice(1).filter((_, i) => i % 2 === 1);
    expect(
      command
        .slice(1)
        .filter((_, i) => i % 2 === 0)
        .every((flag) => flag === "-c"),
    ).toBe(true);
    expect(settings).toEqual(STALL_BOUNDS);
  });

  it("when compose sets the service's environment, then every variable is one the service knows", () => {
    const api = compose.services.api.environment as Record<string, string>;
    for (const name of Object.keys(api)) expect(envKeys).toContain(name);
    expect(api.DATABASE_URL).toMatch(/@db:5432\//);
    expect(api.NODE_ENV).toBe("production");
    expect(Object.keys(api)).toContain("CURSOR_SECRET");
  });

  it("when a developer reads .env.example, then it names every variable of the env schema", async () => {
    const example = await readFile(".env.example", "utf8");
    for (const name of envKeys) expect(example, name).toMatch(new RegExp(`^#?\\s*${name}=`, "m"));
  });
});
