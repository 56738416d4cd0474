// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with
// the SQL that takes the committed migrations to what prisma/schema.prisma now says (as
// `prisma migrate dev --create-only`). Review the SQL, then commit it. DATABASE_URL, or the
// embedded PostgreSQL (the running one of `npm start` if there is one); settings from .env too.
import { loadDotEnv } from "../src/config/dotenv.js";
import { parseEnv } from "../src/config/env.js";
import { createMigration } from "../src/db/migrations.js";
import { openCommandDatabase } from "../src/db/open.js";
import { runCommand } from "../src/lib/describe-error.js";

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/i.test(name)) {
    console.error("Usage: npm run db:migration -- <name>   (letters, digits and _ only)");
    process.exit(2);
  }
  loadDotEnv();
  const database = await openCommandDatabase(parseEnv());
  try {
    // The engine replays the migrations in a scratch database on this server, then drops it.
    const folder = await createMigration(database.adminUrl, name);
    console.log(folder ? `Wrote ${folder}/migration.sql` : "schema.prisma matches the migrations: nothing to write.");
  } finally {
    await database.release();
  }
}

runCommand("db:migration", main);
