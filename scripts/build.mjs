// `npm start` runs the service as plain JavaScript: this transpiles src/ into dist/ (types stripped,
// one file per module, nothing bundled, source maps beside) in well under a second, before every
// start. Why not tsx at run time as the tests do: its loader keeps ~50 MB more resident in a
// process whose memory the benchmark holds under 200 MB. Types are checked by `npm test` (tsc).
// dist/ sits at the same depth as src/, so paths resolved from a module's own folder
// (../../prisma, ../../package.json) point at the same files.
//
// dist/ is never emptied: a service already running from it (a second `npm start`, the bench's server, a
// test's) may still load a module or start its migration child from it while this runs, and once found a
// file missing (the build used to remove dist/ first). Each file is written beside its place and renamed
// over it (a reader sees the old file or the new one, whole), only when it changed; files of removed
// sources are deleted last.
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const files = await readdir("src", { recursive: true });
const entryPoints = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => path.join("src", f));
const { outputFiles } = await build({
  entryPoints,
  outdir: "dist",
  outbase: "src",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  write: false,
});

const built = new Set();
for (const file of outputFiles) {
  built.add(file.path);
  const old = await readFile(file.path).catch(() => null);
  if (old?.equals(file.contents)) continue;
  await mkdir(path.dirname(file.path), { recursive: true });
  const temporary = `${file.path}.${process.pid}.tmp`;
  await writeFile(temporary, file.contents);
  await rename(temporary, file.path);
}
for (const entry of await readdir("dist", { recursive: true, withFileTypes: true })) {
  const file = path.resolve(entry.parentPath, entry.name);
  // Another build's file in flight (*.tmp) is its to rename.
  if (entry.isFile() && !built.has(file) && !entry.name.endsWith(".tmp")) await rm(file, { force: true });
}
