// The service's pool keeps a warm connection across AIQ's polling interval: its prepared statements and
// their generic plans live only as long as the connection (src/db/client.ts, DB_POOL_IDLE_TIMEOUT_MS).
import { setTimeout as sleep } from "node:timers/promises";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { parseEnv } from "../../src/config/env.js";
import { openDatabase } from "../../src/db/open.js";
import { createLogger } from "../../src/lib/logger.js";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";

const testDb = await createTestDb();
// The database as the service opens it, with its configuration's defaults (DB_POOL_IDLE_TIMEOUT_MS among them).
const config = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_URL: testDb.url });
const { db } = await openDatabase(config);
const app = createApp({ db, config, logger: createLogger("silent") });
afterAll(() => db.close());

/** The page statements prepared on the pool's most recently used connection, with how each was planned. */
async function pagePlans() {
  const client = await db.pool.connect();
  try {
    const { rows } = await client.query<{ pid: number; name: string; generic: number; custom: number }>(
      `SELECT pg_backend_pid() AS pid, name, generic_plans::int AS generic, custom_plans::int AS custom
       FROM pg_prepared_statements WHERE name LIKE 'tx-%' ORDER BY name`,
    );
    return rows;
  } finally {
    client.release();
  }
}

describe("the service's connection pool", () => {
  it(prose`
    when the service sits idle for longer than pg's default idle timeout (10 s), then the next poll runs on the same
    connection, whose page statement is still prepared and runs on its generic plan
  `, async () => {
    const merchant = await makeMerchant(testDb);
    const location = await makeLocation(testDb, merchant.id);
    await makeTransaction(testDb, location);
    const { key } = await makeKey(testDb, merchant.id, { scopes: ["transactions:read"] });
    const first = await request(app).get("/v1/transactions?limit=10").set("x-apikey", key);
    expect(first.status).toBe(200);
    const poll = () => request(app).get("/v1/transactions").query({ cursor: first.body.next_cursor, limit: 10 });
    // One at a time: the pool hands back its most recently used connection, so they all run on one.
    for (let i = 0; i < 7; i++) expect((await poll().set("x-apikey", key)).status).toBe(200);
    // The continuation's statement: five trial custom plans, then the generic one.
    const warm = (await pagePlans()).find((plan) => plan.custom === 5);
    expect(warm).toEqual(expect.objectContaining({ custom: 5, generic: 2 }));

    await sleep(10_500);
    expect(db.pool.totalCount).toBeGreaterThan(0);
    expect((await poll().set("x-apikey", key)).status).toBe(200);
    expect((await pagePlans()).find((plan) => plan.name === warm!.name)).toEqual({ ...warm, generic: 3 });
  }, 30_000);
});
