// `npm run db:migrate`: applies pending migrations, as `prisma migrate deploy` does, through
// Prisma's schema engine (WebAssembly build). DATABASE_URL, or the embedded PostgreSQL.
import { parseEnv } from "../src/config/env.js";
import { startEmbeddedPostgres } from "../src/db/embedded.js";
import { applyMigrations } from "../src/db/migrations.js";
import { EMBEDDED_DATABASE } from "../src/db/open.js";

const config = parseEnv();
const embedded = config.DATABASE_URL
  ? null
  : await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
try {
  const url = config.DATABASE_URL ?? (await embedded!.ensureDatabase(EMBEDDED_DATABASE));
  const applied = await applyMigrations(url);
  console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Nothing to apply: the database is up to date.");
} finally {
  await embedded?.stop();
}
