// db/sql.ts runEach(): a statement's rows handed over one by one as they arrive (the transactions page
// encodes each record then), and all of them returned as run() would; what the handler throws fails
// the call once the statement has ended, never the connection.
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client.js";
import { first, reviewedStatement, run, runEach } from "../../src/db/sql.js";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";

const testDb = await createTestDb();
// One connection: a call that left it broken or busy would fail the next.
const db = createDb({ url: testDb.url, poolMax: 1 });
afterAll(() => db.close());

const series = reviewedStatement(
  "no-tenant-table",
  sql<{ n: number; text: string }>`SELECT n, repeat('é', n) AS text FROM generate_series(1, 500) AS n`,
  { prepare: "run-each-probe" },
);

describe("rows handed over as they arrive", () => {
  it(prose`
    when a statement runs with a handler, then it sees every row in order, and the rows come back as run()'s
  `, async () => {
    const seen: [number, number][] = [];
    const rows = await runEach(db.pool, series, (row, index) => seen.push([index, row.n]));
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => [i, i + 1]));
    expect(rows).toEqual(await run(db.pool, series));
  });

  it(prose`
    when the handler throws, then the call fails with its error and the connection answers the next statement
  `, async () => {
    const broken = new Error("handler broke");
    let calls = 0;
    await expect(
      runEach(db.pool, series, (row) => {
        calls++;
        if (row.n === 3) throw broken;
      }),
    ).rejects.toBe(broken);
    // Not called again after it threw.
    expect(calls).toBe(3);
    expect(db.pool.totalCount).toBe(1);
    const one = reviewedStatement("no-tenant-table", sql<{ one: number }>`SELECT 1 AS one`);
    expect(await first(db.pool, one)).toEqual({ one: 1 });
  });

  it("when the statement fails, then the call fails with PostgreSQL's error", async () => {
    const failing = reviewedStatement(
      "no-tenant-table",
      sql<{ n: number }>`SELECT 1 / (n - 2) AS n FROM generate_series(1, 3) AS n`,
    );
    await expect(runEach(db.pool, failing, () => {})).rejects.toMatchObject({ code: "22012" });
    expect(await run(db.pool, series)).toHaveLength(500);
  });
});
