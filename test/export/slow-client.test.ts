// A client that stops reading mid-export holds PostgreSQL back, not the server's memory: once the response holds
// HELD_BYTES the socket has not taken (src/export/stream.ts), the batch's COPY is no longer read, so PostgreSQL waits
// to write to the connection (pg_stat_activity: wait_event ClientWrite) instead of the server gathering the rest of
// the batch. Reading on, the client gets every record once; going away, the export stops as it does otherwise.
// The records are ~20 KB each (long line names), so that a batch is far more than the sockets' buffers can take.
import http from "node:http";
import { describe, expect, it } from "vitest";
import { KEPT_LINES_BATCH, KEPT_LINES_FIRST_BATCH } from "../../src/export/transactions.js";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { eventually, runningStatements } from "./activity.js";
import { seedReceipts } from "./bulk.js";
import { listen, parseNdjson } from "./http.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "1000" } });
const base = await listen(app);

/** The first batch and a later one: 6,000 receipts of ~20 KB, ~120 MB of NDJSON. */
const RECEIPTS = KEPT_LINES_FIRST_BATCH + KEPT_LINES_BATCH;

async function store() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id);
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  await seedReceipts(db.pool, location, RECEIPTS, { nameLength: 10_000 });
  return { key, location };
}

/** An export whose client stops reading after its first MB: `readOn` reads the rest, `leave` goes away. */
function stalledExport(key: string): Promise<{ readOn(): Promise<string>; leave(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL("/v1/export/transactions", base), { headers: { "x-apikey": key } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      const chunks: Buffer[] = [];
      let bytes = 0;
      let stopped = false;
      const ended = new Promise<string>((done, failed) => {
        res.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
        res.on("error", failed);
      });
      ended.catch(() => {});
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
        if (bytes >= 1 << 20 && !stopped) {
          stopped = true;
          res.pause();
          resolve({
            readOn: () => {
              res.resume();
              return ended;
            },
            leave: () => req.destroy(),
          });
        }
      });
    });
    req.on("error", () => {});
  });
}

/** The export's COPY, waiting for its connection's socket to take more. */
const copyWaitsOnSocket = async () =>
  (await runningStatements(db.pool)).some((r) => r.query.startsWith("COPY") && r.wait_event === "ClientWrite");

describe("GET /v1/export/transactions to a client that stops reading", () => {
  it(prose`
    when the client stops reading mid-export, then PostgreSQL waits to write the batch's rows (the server holds no more
    than a bound of them), and when it reads on, every record comes once, in order
  `, async () => {
    const { key, location } = await store();
    const stalled = await stalledExport(key);
    await eventually(copyWaitsOnSocket);
    // Still waiting a moment later: the server does not read on while the client does not.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await copyWaitsOnSocket()).toBe(true);

    const got = parseNdjson(await stalled.readOn());
    expect(got.end).toMatchObject({ records: RECEIPTS, has_more: false });
    expect(got.checkpoints.map((c) => c.records)).toEqual([KEPT_LINES_FIRST_BATCH]);
    const ids = got.records.map((r) => (r as { id: string }).id);
    expect(new Set(ids).size).toBe(RECEIPTS);
    const byOrder = await db.pool.query<{ id: string }>(
      "SELECT id FROM transactions WHERE location_id = $1 ORDER BY updated_at, id",
      [location.id],
    );
    expect(ids).toEqual(byOrder.rows.map((r) => r.id));
  }, 120_000);

  it(prose`
    when the client goes away while PostgreSQL waits to write to it, then the export stops: nothing of it keeps running
    and its connections are back in the pool
  `, async () => {
    const { key } = await store();
    const stalled = await stalledExport(key);
    await eventually(copyWaitsOnSocket);

    stalled.leave();
    await eventually(async () => (await runningStatements(db.pool)).length === 0);
    await eventually(() => db.pool.totalCount === db.pool.idleCount);
  }, 120_000);
});
