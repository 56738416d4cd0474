import { sql } from "kysely";
import type pg from "pg";
import { readMigrationList } from "../db/migrations.js";
import { reviewedStatement, run } from "../db/sql.js";

// Prisma's own bookkeeping table (made by its schema engine, not in schema.prisma): its row is typed here.
const APPLIED = reviewedStatement(
  "no-tenant-table",
  sql<{ migration_name: string }>`SELECT migration_name FROM _prisma_migrations
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
);

/** The committed migrations that `_prisma_migrations` does not record as applied. */
export async function pendingMigrations(pool: pg.Pool): Promise<{ applied: number; pending: string[] }> {
  const committed = (await readMigrationList()).migrationDirectories.map((d) => d.path);
  const applied = new Set((await run(pool, APPLIED)).map((r) => r.migration_name));
  return { applied: applied.size, pending: committed.filter((name) => !applied.has(name)) };
}
