// Applies the pending migrations in a process of its own and prints the names it applied as one
// JSON line. The service (src/db/open.ts) starts it rather than migrating in-process because
// Prisma's schema engine is WebAssembly that stays loaded once used: ~50 MB the service would
// otherwise carry for its whole life, for work done once at start.
import { applyMigrations } from "./migrations.js";

const url = process.env.MIGRATE_DATABASE_URL;
if (!url) {
  console.error("MIGRATE_DATABASE_URL is not set");
  process.exit(2);
}
try {
  const applied = await applyMigrations(url);
  // Exit now: the engine's idle connections would otherwise hold the process open for seconds.
  process.stdout.write(`${JSON.stringify({ applied })}\n`, () => process.exit(0));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
