// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with
// the SQL that takes the committed migrations to what prisma/schema.prisma now says (as
// `prisma migrate dev --create-only`). Review the SQL, then commit it.
import { parseEnv } from "../src/config/env.js";
import { startEmbeddedPostgres } from "../src/db/embedded.js";
import { createMigration } from "../src/db/migrations.js";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/i.test(name)) {
  console.error("Usage: npm run db:migration -- <name>   (letters, digits and _ only)");
  process.exit(2);
}
const config = parseEnv();
const embedded = config.DATABASE_URL
  ? null
  : await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
try {
  // The engine replays the migrations in a scratch database on this server, then drops it.
  const folder = await createMigration(config.DATABASE_URL ?? embedded!.adminUrl, name);
  console.log(folder ? `Wrote ${folder}/migration.sql` : "schema.prisma matches the migrations: nothing to write.");
} finally {
  await embedded?.stop();
}
