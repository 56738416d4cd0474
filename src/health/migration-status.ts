import type pg from "pg";
import { readMigrationList } from "../db/migrations.js";

/** The committed migrations that `_prisma_migrations` does not record as applied. */
export async function pendingMigrations(pool: pg.Pool): Promise<{ applied: number; pending: string[] }> {
  const committed = (await readMigrationList()).migrationDirectories.map((d) => d.path);
  const { rows } = await pool.query<{ migration_name: string }>(
    "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
  );
  const applied = new Set(rows.map((r) => r.migration_name));
  return { applied: applied.size, pending: committed.filter((name) => !applied.has(name)) };
}
