// Runs `prisma generate` (on install). Prisma's CLI insists that a native schema-engine binary
// exists before generating, and downloads one from a host outside the npm registry if not; where
// that host is unreachable the download fails. generate does not use that engine (migrations run
// through its WebAssembly build, see src/db/schema-engine.ts), so any existing file satisfies the check.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
// Generators named by command (prisma-kysely) are found on PATH, as `npm run` would set it.
env.PATH = `${path.join(root, "node_modules/.bin")}${path.delimiter}${env.PATH ?? ""}`;
const result = spawnSync(path.join(root, "node_modules/.bin/prisma"), ["generate"], {
  stdio: "inherit",
  env,
  cwd: root,
});
process.exit(result.status ?? 1);
