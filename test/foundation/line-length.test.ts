// Lines of at most 120 characters in every source folder. The formatter (Biome, lineWidth 120) wraps code
// but never splits a string, a template or a comment: this check covers those. Long OpenAPI descriptions
// and test names are written with `prose` (src/lib/prose.ts), other texts as concatenations.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const MAX = 120;
const ROOT = path.resolve(import.meta.dirname, "../..");
const FOLDERS = ["src", "test", "scripts", "bench"];
const SKIPPED = new Set(["src/generated", "bench/results", "node_modules"]);

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(folder, entry.name);
    if (SKIPPED.has(relative) || SKIPPED.has(entry.name)) return [];
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [relative] : [];
  });
}

describe("source layout", () => {
  it(`when any line of ${FOLDERS.join(", ")} is longer than ${MAX} characters, then this test names it`, () => {
    const files = FOLDERS.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    const long = files.flatMap((file) =>
      readFileSync(path.join(ROOT, file), "utf8")
        .split("\n")
        .map((line, i) => ({ at: `${file}:${i + 1}`, characters: [...line].length }))
        .filter(({ characters }) => characters > MAX),
    );
    expect(long).toEqual([]);
  });
});
