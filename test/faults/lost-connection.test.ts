// A connection closed under a request (the database restarting, or ending the session): a read is
// answered from a fresh connection, a write is refused with a 503 and Retry-After and not run
// twice. Deterministic: a lock held by the test keeps the request's statement waiting, the test
// sees it waiting in pg_stat_activity, ends that backend (57P01, as a restart does), then releases.
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client.js";
import { fromDatabase } from "../../src/lib/problem.js";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { freePort } from "../helpers/ports.js";
import { as, makeTenant, receiptBody, receiptRow, saleLine } from "../writes/helpers.js";
import { holdLock, lockWaiters, until } from "./helpers.js";

const { app, db } = await createTestApp();
let client: pg.Client;

beforeEach(async () => {
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterEach(async () => {
  await client.end();
});

/**
 * Starts `send`, waits until its statement waits on `lock` (having written, when `midWrite`), ends
 * that backend, releases the lock; returns the answer.
 */
async function closeUnder<T>(lock: string, send: () => Promise<T>, midWrite = false): Promise<T> {
  const held = await holdLock(client, lock);
  const answer = send();
  let answered: unknown;
  void answer.then((a) => (answered = a));
  let pid = 0;
  await until("the request's statement waits on the lock", async () => {
    if (answered)
      throw new Error(
        `answered before waiting on the lock: ${JSON.stringify((answered as { body?: unknown }).body ?? answered)}`,
      );
    pid = (await lockWaiters(client)).find((w) => w.wrote || !midWrite)?.pid ?? 0;
    return pid !== 0;
  });
  const { rows } = await client.query<{ ended: boolean }>("SELECT pg_terminate_backend($1) AS ended", [pid]);
  expect(rows[0]!.ended).toBe(true);
  await held.release();
  return answer;
}

describe("a database connection closed under a request", () => {
  it("when a GET's query loses its connection, then it is run again on a fresh one and answered 200", async () => {
    const t = await makeTenant(db);
    await as(app, t.key).put("/v1/transactions/R-1", receiptBody(t)).expect(201);

    const res = await closeUnder("LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE", () =>
      as(app, t.key)
        .get("/v1/transactions")
        .then((r) => r),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.map((r: { pos_id: string }) => r.pos_id)).toEqual(["R-1"]);
  });

  it(prose`
    when the key lookup (the first query of every request) loses its connection, then it is run again and the request
    answered
  `, async () => {
    const t = await makeTenant(db);
    const res = await closeUnder("LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE", () =>
      as(app, t.key)
        .get("/v1/transactions")
        .then((r) => r),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it(prose`
    when a PUT replacing a receipt loses its connection mid-transaction, then it is refused with a 503 problem and
    Retry-After, not run again, and the receipt is as it was
  `, async () => {
    const t = await makeTenant(db);
    await as(app, t.key).put("/v1/transactions/W-1", receiptBody(t)).expect(201);
    const before = await receiptRow(db, t.merchant.id, "W-1");
    const lines = Array.from({ length: 5 }, (_, i) => saleLine({ sku: `SKU-${i}` }));
    // The PUT locks the receipt's row (its transaction has written), then waits to replace the lines.
    const res = await closeUnder(
      "LOCK TABLE line_items IN EXCLUSIVE MODE",
      () =>
        as(app, t.key)
          .put("/v1/transactions/W-1", receiptBody(t, { lines }))
          .then((r) => r),
      true,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.headers["retry-after"]).toBe("2");
    expect(res.body).toMatchObject({ status: 503, code: "unavailable" });
    // The lock is released and the answer is out: a second run would have replaced the receipt by now.
    expect(await receiptRow(db, t.merchant.id, "W-1")).toEqual(before);

    // The client's retry of the same PUT is safe and replaces the whole receipt.
    const retried = await as(app, t.key).put("/v1/transactions/W-1", receiptBody(t, { lines }));
    expect(retried.status).toBe(200);
    expect((await receiptRow(db, t.merchant.id, "W-1")).lines).toHaveLength(5);
  });

  it(prose`
    when a Prisma read (whoami) loses its connection, then it is run again on a fresh one and answered 200
  `, async () => {
    const t = await makeTenant(db);
    const res = await closeUnder("LOCK TABLE merchants IN ACCESS EXCLUSIVE MODE", () =>
      as(app, t.key)
        .get("/v1/whoami")
        .then((r) => r),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it("when the database cannot be reached, then pg's and Prisma's errors are both a 503 with Retry-After", async () => {
    const url = new URL(db.url);
    url.port = String(await freePort()); // nothing listens there
    const away = createDb({ url: url.toString(), poolMax: 1 });
    try {
      const errors = await Promise.all([
        away.pool.query("SELECT 1").catch((err: unknown) => err),
        away.prisma.merchant.findFirst().catch((err: unknown) => err),
        away.prisma.$queryRawUnsafe("SELECT 1").catch((err: unknown) => err),
      ]);
      for (const err of errors) {
        const answer = fromDatabase(err);
        expect(answer, String(err)).not.toBeNull();
        expect({ status: answer!.status, code: answer!.code, retryAfter: answer!.headers["Retry-After"] }).toEqual({
          status: 503,
          code: "unavailable",
          retryAfter: "2",
        });
      }
    } finally {
      await away.close();
    }
  });
});
