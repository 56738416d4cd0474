// `npm run db:migrate`: applies pending migrations, as `prisma migrate deploy` does, through
// Prisma's schema engine (WebAssembly build). DATABASE_URL, or the embedded PostgreSQL (the
// running one of `npm start` if there is one). Settings from .env too (the real environment wins).
import { loadDotEnv } from "../src/config/dotenv.js";
import { parseEnv } from "../src/config/env.js";
import { applyMigrations } from "../src/db/migrations.js";
import { openCommandDatabase } from "../src/db/open.js";
import { runCommand } from "../src/lib/describe-error.js";

async function main(): Promise<void> {
  loadDotEnv();
  const database = await openCommandDatabase(parseEnv());
  try {
    const applied = await applyMigrations(database.url);
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "Nothing to apply: the database is up to date.");
  } finally {
    await database.release();
  }
}

runCommand("db:migrate", main);
