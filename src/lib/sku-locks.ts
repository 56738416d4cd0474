// Linking receipt lines to products that arrive later, without a gap. A line whose SKU has no
// product is stored with product_id null; when PUT /v1/inventory creates that product it links the
// earlier lines (UPDATE … WHERE sku = … AND product_id IS NULL). Under READ COMMITTED, a receipt
// and a product written at the same moment could miss each other (each statement sees only the
// other's committed rows). So both take a transaction-scoped advisory lock on the SKU: a receipt
// shared (receipts never block each other), and only for SKUs it found no product for; the product
// creator exclusive. Whichever commits second then sees the first: the receipt finds the product,
// or the link finds the lines.
//
// SKUs share LOCK_BUCKETS locks per merchant (by hash), so a transaction holds at most that many
// advisory locks however many SKUs it touches (PostgreSQL's lock table is finite:
// max_locks_per_transaction). Keys are taken in ascending order on both sides, so two such
// transactions cannot deadlock on them; both take them before writing any line. A new sale's
// one-call write (pos_bridge_put_new_sale, prisma/migrations/20261205020000_put_new_sale) takes the
// same keys in SQL: change LOCK_BUCKETS or the key expression in both places.
import { sql } from "kysely";
import type pg from "pg";
import { execute, reviewedStatement } from "../db/sql.js";

const LOCK_BUCKETS = 256;

// Advisory locks, not rows: no merchant's table is read or written (the merchant's id is only part of the key).
const lock = (fn: "pg_advisory_xact_lock_shared" | "pg_advisory_xact_lock", merchantId: string, skus: string[]) => {
  const bucket = sql`(hashtext(sku) & ${sql.lit(LOCK_BUCKETS - 1)})::text`;
  return reviewedStatement(
    "no-tenant-table",
    sql`SELECT ${sql.raw(fn)}(k) FROM (
          SELECT DISTINCT hashtextextended(${merchantId}::text || '/' || ${bucket}, 0) AS k
            FROM unnest(${skus}::text[]) AS sku ORDER BY 1
        ) keys`,
  );
};

/** Taken by a receipt write for the SKUs it found no product for, before it looks them up again. */
export async function lockSkusShared(client: pg.ClientBase, merchantId: string, skus: string[]): Promise<void> {
  if (skus.length) await execute(client, lock("pg_advisory_xact_lock_shared", merchantId, skus));
}

/** Taken by a product creator before it links earlier lines of those SKUs. */
export async function lockSkusExclusive(client: pg.ClientBase, merchantId: string, skus: string[]): Promise<void> {
  if (skus.length) await execute(client, lock("pg_advisory_xact_lock", merchantId, skus));
}
