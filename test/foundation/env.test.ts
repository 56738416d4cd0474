import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/config/env.js";

describe("environment", () => {
  it("when PORT is not a number, then parsing fails naming PORT", () => {
    expect(() => parseEnv({ PORT: "abc" })).toThrow(/PORT/);
  });

  it("when several variables are bad, then every one is named", () => {
    expect(() => parseEnv({ PORT: "-1", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" })).toThrow(
      /PORT[\s\S]*DATABASE_URL[\s\S]*LOG_LEVEL|PORT[\s\S]*LOG_LEVEL/,
    );
  });

  it("when NODE_ENV=production has no CURSOR_SECRET, then parsing fails naming CURSOR_SECRET", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/CURSOR_SECRET/);
    expect(parseEnv({ NODE_ENV: "production", CURSOR_SECRET: "a".repeat(32) }).NODE_ENV).toBe("production");
  });

  it("when the defaults apply, then the embedded database is used", () => {
    const config = parseEnv({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(3000);
  });

  it("when `PORT=abc npm start` runs, then the process exits at once with a message naming PORT", () => {
    const started = Date.now();
    const result = spawnSync("npx", ["tsx", "src/server.ts"], {
      env: { ...process.env, PORT: "abc" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
