// `npm start`'s build (scripts/build.mjs) runs while other processes use dist/: a second `npm start`, the bench's
// server, other test files' servers. It once emptied dist/ first, and a service starting meanwhile could not find its
// migration child's module ("could not open the database"). Now every file stays in place throughout the build.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";

const build = ["scripts/build.mjs"];

describe("the build beside running services", () => {
  it(prose`
    when the build runs, then every file of dist/ is there at every moment of it, and a file whose source is gone
    is removed at its end
  `, async () => {
    execFileSync(process.execPath, build, { stdio: "ignore" });
    const files = readdirSync("dist", { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.endsWith(".tmp"))
      .map((entry) => path.join(entry.parentPath, entry.name));
    expect(files).toContain(path.join("dist", "server.js"));
    const stale = path.join("dist", "a-removed-source.js");
    writeFileSync(stale, "export {};\n");

    const running = spawn(process.execPath, build, { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => running.on("exit", resolve));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    const missing = new Set<string>();
    let looks = 0;
    while (!done) {
      for (const file of files) if (!existsSync(file)) missing.add(file);
      looks++;
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(await exited).toBe(0);
    expect(looks).toBeGreaterThan(5);
    expect([...missing]).toEqual([]);
    expect(existsSync(stale)).toBe(false);
  });
});
