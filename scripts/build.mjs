// `npm start` runs the service as plain JavaScript: this transpiles src/ into dist/ (types stripped,
// one file per module, nothing bundled, source maps beside) in well under a second, before every
// start. Why not tsx at run time as the tests do: its loader keeps ~50 MB more resident in a
// process whose memory the benchmark holds under 200 MB. Types are checked by `npm test` (tsc).
// dist/ sits at the same depth as src/, so paths resolved from a module's own folder
// (../../prisma, ../../package.json) point at the same files.
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

const files = await readdir("src", { recursive: true });
const entryPoints = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => path.join("src", f));
await rm("dist", { recursive: true, force: true });
await build({
  entryPoints,
  outdir: "dist",
  outbase: "src",
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
