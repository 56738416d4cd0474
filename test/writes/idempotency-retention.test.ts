import { describe, expect, it } from "vitest";
import { purgeExpiredIdempotencyRecords } from "../../src/lib/idempotency.js";
import { createTestDb } from "../helpers/db.js";
import { makeMerchant } from "../helpers/factories.js";

const db = await createTestDb();

describe("Idempotency-Key retention", () => {
  it("when answers are older than 24 hours, then the hourly purge deletes them and keeps the recent ones", async () => {
    const merchant = await makeMerchant(db);
    const insert = (key: string, age: string) =>
      db.pool.query(
        `INSERT INTO idempotency_records (merchant_id, key, request_hash, status_code, response_body, created_at)
         VALUES ($1, $2, 'h', 200, '{}', now() - $3::interval)`,
        [merchant.id, key, age],
      );
    await insert("old", "25 hours");
    await insert("recent", "23 hours");

    expect(await purgeExpiredIdempotencyRecords(db)).toBe(1);
    const { rows } = await db.pool.query("SELECT key FROM idempotency_records WHERE merchant_id = $1", [merchant.id]);
    expect(rows.map((r) => r.key)).toEqual(["recent"]);
  });
});
