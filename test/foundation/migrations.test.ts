import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyMigrations, diffMigrationsToSchema, hasStatements, readMigrationList } from "../../src/db/migrations.js";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";

const db = await createTestDb();

describe("migrations", () => {
  it(prose`
    when the committed migrations are replayed, then they produce exactly what schema.prisma describes (no drift)
  `, async () => {
    const sql = await diffMigrationsToSchema(db.url);
    expect(hasStatements(sql), `drift:\n${sql}`).toBe(false);
  });

  it(prose`
    when applied by the project, then _prisma_migrations records each one as prisma migrate deploy does
  `, async () => {
    const list = await readMigrationList();
    const { rows } = await db.pool.query(
      "SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations " +
        "ORDER BY migration_name",
    );
    expect(rows.map((r) => r.migration_name)).toEqual(list.migrationDirectories.map((d) => d.path));
    for (const [i, dir] of list.migrationDirectories.entries()) {
      const content = await readFile(path.join(list.baseDir, dir.path, "migration.sql"));
      // Prisma's checksum: SHA-256 of the migration.sql bytes, hex.
      expect(rows[i].checksum).toBe(createHash("sha256").update(content).digest("hex"));
      expect(rows[i].finished_at).not.toBeNull();
      expect(rows[i].rolled_back_at).toBeNull();
      expect(rows[i].applied_steps_count).toBe(1);
    }
  });

  it("when applied again, then nothing is applied", async () => {
    expect(await applyMigrations(db.url)).toEqual([]);
  });

  it("when a row is updated without a change, then its change time stays; when changed, it moves forward", async () => {
    const merchant = await db.prisma.merchant.create({ data: { slug: "trigger-check", name: "Before" } });
    await db.pool.query("UPDATE merchants SET name = name WHERE id = $1", [merchant.id]);
    const same = await db.prisma.merchant.findUniqueOrThrow({ where: { id: merchant.id } });
    expect(same.updatedAt.getTime()).toBe(merchant.updatedAt.getTime());
    await db.pool.query("UPDATE merchants SET name = 'After', updated_at = '2000-01-01' WHERE id = $1", [merchant.id]);
    const changed = await db.prisma.merchant.findUniqueOrThrow({ where: { id: merchant.id } });
    // The database's clock wins over whatever the writer sent.
    expect(changed.updatedAt.getTime()).toBeGreaterThan(merchant.updatedAt.getTime());
  });
});

describe("change time follows the product into its inventory", () => {
  it(prose`
    when a product's fields change, then its inventory rows move forward; when nothing changes, they stay
  `, async () => {
    const merchant = await db.prisma.merchant.create({ data: { slug: "inv-follow", name: "M" } });
    const location = await db.prisma.location.create({
      data: { merchantId: merchant.id, posId: "L1", name: "S", timeZone: "UTC" },
    });
    const product = await db.prisma.product.create({
      data: { merchantId: merchant.id, sku: "SKU1", name: "Old name" },
    });
    const item = await db.prisma.inventoryItem.create({
      data: { merchantId: merchant.id, locationId: location.id, productId: product.id, quantity: 5 },
    });

    await db.pool.query("UPDATE products SET name = name WHERE id = $1", [product.id]);
    const unchanged = await db.prisma.inventoryItem.findUniqueOrThrow({ where: { id: item.id } });
    expect(unchanged.updatedAt.getTime()).toBe(item.updatedAt.getTime());

    await db.pool.query("UPDATE products SET name = 'New name' WHERE id = $1", [product.id]);
    const moved = await db.prisma.inventoryItem.findUniqueOrThrow({ where: { id: item.id } });
    expect(moved.updatedAt.getTime()).toBeGreaterThan(item.updatedAt.getTime());
  });
});
