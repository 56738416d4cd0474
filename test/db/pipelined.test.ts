// db/sql.ts pipelined(): statements sent back to back in one round trip on one pooled client, each
// still its own statement (own Sync, own implicit transaction), the client back in ordinary mode
// before it returns to the pool.
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client.js";
import { execute, first, pipelined, reviewedStatement, run } from "../../src/db/sql.js";
import { createTestDb } from "../helpers/db.js";

const testDb = await createTestDb();
// One connection: whatever the pool hands out next is the client pipelined() used.
const db = createDb({ url: testDb.url, poolMax: 1 });

const insert = (n: number) =>
  reviewedStatement("no-tenant-table", sql<{ n: number }>`INSERT INTO pipeline_probe (n) VALUES (${n}) RETURNING n`);
const count = reviewedStatement(
  "no-tenant-table",
  sql<{ rows: number }>`SELECT count(*)::int AS rows FROM pipeline_probe`,
);

beforeAll(async () => {
  await db.pool.query("CREATE TABLE pipeline_probe (n int PRIMARY KEY)");
  return () => db.close();
});

describe("pipelined statements", () => {
  it("when a write and a read are pipelined, then the read sees the write (committed before it ran)", async () => {
    await db.pool.query("TRUNCATE pipeline_probe");
    const [written, read] = await pipelined(db.pool, (client) => [first(client, insert(1)), first(client, count)]);
    expect(written).toEqual({ status: "fulfilled", value: { n: 1 } });
    expect(read).toEqual({ status: "fulfilled", value: { rows: 1 } });
  });

  it("when the first statement fails, then it alone fails: the next one runs and answers", async () => {
    await db.pool.query("TRUNCATE pipeline_probe");
    await execute(db.pool, insert(2));
    const [duplicate, after, read] = await pipelined(db.pool, (client) => [
      first(client, insert(2)),
      first(client, insert(3)),
      run(client, count),
    ]);
    expect(duplicate.status).toBe("rejected");
    expect((duplicate as PromiseRejectedResult).reason).toMatchObject({ code: "23505" });
    expect(after).toEqual({ status: "fulfilled", value: { n: 3 } });
    expect(read).toEqual({ status: "fulfilled", value: [{ rows: 2 }] });
  });

  it("when the statements have answered, then the client goes back to the pool in ordinary mode", async () => {
    await pipelined(db.pool, (client) => [first(client, count)]);
    const client = await db.pool.connect();
    try {
      expect(db.pool.totalCount).toBe(1);
      expect(client.pipeline).toBe(false);
      // Ordinary mode: a BEGIN … ROLLBACK on it behaves as on any client.
      await client.query("BEGIN");
      await client.query("INSERT INTO pipeline_probe (n) VALUES (99)");
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(
      await first(db.pool, reviewedStatement("no-tenant-table", sql`SELECT 1 FROM pipeline_probe WHERE n = 99`)),
    ).toBeUndefined();
  });

  it("when starting the statements throws, then that error is thrown and the client dropped, not pooled", async () => {
    await expect(
      pipelined(db.pool, (client) => {
        void first(client, count).catch(() => {});
        throw new Error("a statement could not be built");
      }),
    ).rejects.toThrow("a statement could not be built");
    expect(db.pool.totalCount).toBe(0);
    expect(await first(db.pool, count)).toBeDefined();
  });
});
