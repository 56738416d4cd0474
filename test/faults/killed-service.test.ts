// The service killed (SIGKILL, no chance to clean up) in the middle of writes, then the same
// requests replayed to a restarted service: no partial receipt, no duplicate, and the end state
// equals that of a clean run of the same requests without the kill. The service runs in a process
// of its own (test/export/server-process.ts). Deterministic: the test holds a lock on line_items,
// waits until pg_stat_activity/pg_locks show the write waiting in its transaction after having
// written (the batch's 500 receipts inserted, the PUT's customer created and receipt locked),
// kills the process, then releases the lock. Nothing in the service makes this safe but one
// database transaction per write: this test proves it rather than fixes it.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestDb, type TestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { holdLock, lockWaiters, until } from "./helpers.js";

const STORE = "STORE-1";
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  }
});

interface Service {
  child: ChildProcess;
  base: string;
}

async function startService(db: TestDb): Promise<Service> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/export/server-process.ts"], {
    env: { ...process.env, DATABASE_URL: db.url },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  return { child, base: `http://127.0.0.1:${JSON.parse(String(line)).port}` };
}

/** A merchant with a store of POS id STORE-1 and a pos:write key: the same requests fit every database. */
async function tenant(db: TestDb) {
  const merchant = await makeMerchant(db);
  await makeLocation(db, merchant.id, { posId: STORE, timeZone: "America/Denver" });
  const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write", "transactions:read"] });
  return { merchantId: merchant.id, key };
}

const lines = (n: number, tag: string) =>
  Array.from({ length: n }, (_, k) => ({
    sku: `SKU-${tag}-${k % 40}`,
    name: `Item ${k}`,
    unit_price: `${(k % 9) + 1}.25`,
    quantity: (k % 3) + 1,
    discount: "0.10",
    tax: "0.35",
  }));
const receipt = (lineCount: number, tag: string, extra: Record<string, unknown> = {}) => ({
  location_pos_id: STORE,
  transacted_at: "2026-03-01T18:30:00-07:00",
  lines: lines(lineCount, tag),
  ...extra,
});

/** The requests of the scenario, in order. */
const firstPut = { method: "PUT", path: "/v1/transactions/P-1", body: receipt(3, "P1-v1") };
const batch = {
  method: "POST",
  path: "/v1/transactions/batch",
  body: { receipts: Array.from({ length: 500 }, (_, i) => ({ pos_id: `K-${i}`, ...receipt(2, `K${i}`) })) },
};
const bigPut = {
  method: "PUT",
  path: "/v1/transactions/P-1",
  body: receipt(150, "P1-v2", { customer: { pos_user: "CUST-1", loyalty_opt_in: true } }),
};
type Request = typeof firstPut | typeof batch;

async function send(service: Service, key: string, request: Request) {
  const res = await fetch(service.base + request.path, {
    method: request.method,
    headers: { "x-apikey": key, "content-type": "application/json" },
    body: JSON.stringify(request.body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * Everything the writes leave behind, without ids, times and body hashes (they cover resolved ids): these differ
 * between runs by design.
 */
async function endState(db: TestDb, merchantId: string) {
  const q = async (sql: string) => (await db.pool.query(sql, [merchantId])).rows;
  return {
    receipts: await q(`
      SELECT t.pos_id, t.channel, t.kind, t.status, t.transacted_at,
        to_char(t.business_date, 'YYYY-MM-DD') AS business_date,
             t.subtotal::text, t.discount_total::text, t.tax_total::text, t.total::text, t.cost_total::text,
             c.pos_user AS customer,
             (SELECT json_agg(json_build_object('n', l.line_number, 'sku', l.sku, 'name', l.name, 'unit_price',
               l.unit_price::text,
                       'quantity', l.quantity::text, 'discount', l.discount::text, 'tax', l.tax::text, 'line_total',
                         l.line_total::text) ORDER BY l.line_number)
                FROM line_items l WHERE l.transaction_id = t.id) AS lines
        FROM transactions t LEFT JOIN customers c ON c.id = t.customer_id
       WHERE t.merchant_id = $1 ORDER BY t.pos_id`),
    lineCount: (await q("SELECT count(*)::int AS n FROM line_items WHERE merchant_id = $1"))[0].n,
    customers: await q("SELECT pos_user, loyalty_opt_in FROM customers WHERE merchant_id = $1 ORDER BY pos_user"),
    audit: await q(
      "SELECT action, entity, count(*)::int AS n FROM audit_entries WHERE merchant_id = $1 GROUP BY 1, 2 ORDER BY 1, 2",
    ),
  };
}

/**
 * Sends `request`, waits until it waits on the test's lock on line_items having written, kills the
 * service (SIGKILL), releases the lock, and waits until no session of the dead service is left
 * working (its transaction rolled back when it found the client gone).
 */
async function killMidWrite(db: TestDb, service: Service, key: string, request: Request) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const held = await holdLock(client, "LOCK TABLE line_items IN EXCLUSIVE MODE");
    const answer = send(service, key, request).then(
      () => "answered",
      () => "connection lost",
    );
    await until("the write waits on the lock mid-transaction", async () =>
      (await lockWaiters(client)).some((w) => w.wrote),
    );
    service.child.kill("SIGKILL");
    await once(service.child, "exit");
    expect(await answer).toBe("connection lost");
    await held.release();
    await until("no session of the killed service is still in a transaction", async () => {
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> " +
          "pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'",
      );
      return rows[0].n === 0;
    });
  } finally {
    await client.end();
  }
}

describe("the service killed mid-write, then the same requests replayed", () => {
  it(prose`
    when kill -9 hits a batch of 500 receipts and a PUT of 150 lines, then nothing of them is stored, and after
    replaying them the end state equals a clean run's
  `, async () => {
    const cleanDb = await createTestDb();
    const killedDb = await createTestDb();

    // The clean run: the three requests, nothing killed.
    const cleanTenant = await tenant(cleanDb);
    const clean = await startService(cleanDb);
    expect((await send(clean, cleanTenant.key, firstPut)).status).toBe(201);
    const cleanBatch = await send(clean, cleanTenant.key, batch);
    expect(cleanBatch.body.summary).toEqual({ created: 500, updated: 0, unchanged: 0, error: 0 });
    expect((await send(clean, cleanTenant.key, bigPut)).status).toBe(200);
    const expected = await endState(cleanDb, cleanTenant.merchantId);
    expect(expected.receipts).toHaveLength(501);
    expect(expected.lineCount).toBe(1150);

    // The killed run.
    const t = await tenant(killedDb);
    let service = await startService(killedDb);
    expect((await send(service, t.key, firstPut)).status).toBe(201);
    const afterFirstPut = await endState(killedDb, t.merchantId);

    await killMidWrite(killedDb, service, t.key, batch);
    // Nothing of the batch: no receipt, no line (its bulk insert of 500 receipts was rolled back).
    expect(await endState(killedDb, t.merchantId)).toEqual(afterFirstPut);

    service = await startService(killedDb);
    await killMidWrite(killedDb, service, t.key, bigPut);
    // The receipt is still the first version, whole; the embedded customer was not created.
    expect(await endState(killedDb, t.merchantId)).toEqual(afterFirstPut);

    // Replayed to a restarted service: the same answers as the clean run's, the same end state.
    service = await startService(killedDb);
    const replayedBatch = await send(service, t.key, batch);
    expect(replayedBatch.body.summary).toEqual({ created: 500, updated: 0, unchanged: 0, error: 0 });
    expect((await send(service, t.key, bigPut)).status).toBe(200);
    expect(await endState(killedDb, t.merchantId)).toEqual(expected);

    // Replaying once more (a client unsure whether its retry arrived) changes nothing.
    expect((await send(service, t.key, batch)).body.summary).toEqual({
      created: 0,
      updated: 0,
      unchanged: 500,
      error: 0,
    });
    expect((await send(service, t.key, bigPut)).status).toBe(200);
    expect(await endState(killedDb, t.merchantId)).toEqual(expected);
  }, 240_000);
});
