// Applying and creating migrations with Prisma's schema engine, as `prisma migrate deploy` and
// `prisma migrate dev --create-only` would: prisma/migrations keeps Prisma's own layout.

import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DiffTarget, MigrationList } from "@prisma/schema-engine-wasm";
import { sql } from "kysely";
import pg from "pg";
import { MIGRATIONS_DIR, NO_FILTERS, openSchemaEngine } from "./schema-engine.js";
import { execute, reviewedStatement } from "./sql.js";

const LOCKFILE = "migration_lock.toml";

/**
 * Reads prisma/migrations from disk in the shape the engine expects, exactly as Prisma's CLI builds
 * it (folder names, not paths, sorted with localeCompare): `_prisma_migrations` then records the
 * same names and checksums as `prisma migrate deploy` would.
 */
export async function readMigrationList(): Promise<MigrationList> {
  const lockContent = await readFile(path.join(MIGRATIONS_DIR, LOCKFILE), "utf8").catch(() => null);
  const entries = existsSync(MIGRATIONS_DIR) ? await readdir(MIGRATIONS_DIR, { withFileTypes: true }) : [];
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: LOCKFILE, content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      folders.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: {
            tag: "ok" as const,
            value: await readFile(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8"),
          },
        },
      })),
    ),
  };
}

/** Applies every pending migration; returns the names applied now. */
export async function applyMigrations(connectionString: string): Promise<string[]> {
  const { engine, close } = await openSchemaEngine(connectionString);
  try {
    const result = await engine.applyMigrations({ migrationsList: await readMigrationList(), filters: NO_FILTERS });
    return result.appliedMigrationNames;
  } finally {
    await close();
  }
}

/**
 * The SQL that takes the committed migrations to what schema.prisma describes; no statements
 * when there is no drift. Like `prisma migrate diff --from-migrations`, the engine replays the
 * migrations into a shadow database: here a scratch database made (and dropped) on the same server.
 */
export async function diffMigrationsToSchema(connectionString: string): Promise<string> {
  return withScratchDatabase(connectionString, async (scratchUrl) => {
    const { engine, schema, close } = await openSchemaEngine(scratchUrl);
    try {
      const result = await engine.diff({
        from: await migrationsTarget(),
        to: { tag: "schemaDatamodel", files: [schema] },
        script: true,
        exitCode: null,
        filters: NO_FILTERS,
      });
      return result.stdout ?? "";
    } finally {
      await close();
    }
  });
}

async function withScratchDatabase<T>(connectionString: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `pos_bridge_shadow_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await execute(admin, reviewedStatement("command", sql`CREATE DATABASE ${sql.id(name)}`));
    const url = new URL(connectionString);
    url.pathname = `/${name}`;
    try {
      return await fn(url.toString());
    } finally {
      await execute(admin, reviewedStatement("command", sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`));
    }
  } finally {
    await admin.end();
  }
}

/** An empty history is diffed from nothing (the engine wants a lockfile otherwise). */
async function migrationsTarget(): Promise<DiffTarget> {
  const list = await readMigrationList();
  return list.migrationDirectories.length === 0 ? { tag: "empty" } : { tag: "migrations", ...list };
}

/** The engine prints a comment when there is nothing to do: no statement means no drift. */
export function hasStatements(sql: string): boolean {
  return sql.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("--"));
}

/** Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL of the schema change. */
export async function createMigration(connectionString: string, name: string): Promise<string | null> {
  const script = await diffMigrationsToSchema(connectionString);
  if (!hasStatements(script)) return null;
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const folder = path.join(MIGRATIONS_DIR, `${stamp}_${name.replace(/[^a-z0-9_]+/gi, "_").toLowerCase()}`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, "migration.sql"), `${script}\n`);
  const lockPath = path.join(MIGRATIONS_DIR, LOCKFILE);
  if (!existsSync(lockPath)) {
    await writeFile(
      lockPath,
      "# Please do not edit this file manually\n# It should be added in your version-control system (e.g., " +
        'Git)\nprovider = "postgresql"\n',
    );
  }
  return folder;
}
