// Verified keys kept in the process (src/keys/key-cache.ts), emptied when PostgreSQL notifies a change
// (migration 20261205100000_key_cache_notifications). The TTL is an hour here: only a notification,
// or the listener's loss, can explain a change being seen.
import { execFile } from "node:child_process";
import { EventEmitter, once } from "node:events";
import { promisify } from "node:util";
import pg from "pg";
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import { KEY_CACHE_CHANNEL, KeyCache } from "../../src/keys/key-cache.js";
import type { Scope } from "../../src/keys/scopes.js";
import { createLogger } from "../../src/lib/logger.js";
import { prose } from "../../src/lib/prose.js";
import { createTestApp, keyCacheListening } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { statementsOf } from "../helpers/round-trips.js";
import { as, receiptBody } from "../writes/helpers.js";

const HOUR = "3600000";
const { app, db, config } = await createTestApp({ env: { KEY_CACHE_TTL_MS: HOUR } });
await keyCacheListening(db);
const listener = db.listener(KEY_CACHE_CHANNEL);
const prefixOf = (key: string) => key.split("_").slice(0, 3).join("_");
const whoami = (key: string) => request(app).get("/v1/whoami").set("x-apikey", key);

/** Another session of the database, as the keys CLI or an operator's psql would be. */
async function outside<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The statements a request sent that read its key. */
const keyReads = (sent: string[]) => sent.filter((text) => text.includes('where "k"."prefix" = $1'));

/** A key, used once so that it is kept: the second request reads no key. */
async function keptKey(scopes?: Scope[]) {
  const merchant = await makeMerchant(db);
  const made = await makeKey(db, merchant.id, { scopes });
  expect((await whoami(made.key)).status).toBe(200);
  const sent = await statementsOf(async () => expect((await whoami(made.key)).status).toBe(200));
  expect(keyReads(sent)).toEqual([]);
  return { merchant, ...made };
}

describe("verified keys kept in the process", () => {
  it(prose`
    when a kept key is revoked by the keys CLI (another process), then the running service refuses it as soon as the
    notification arrives
  `, { timeout: 240_000 }, async () => {
    const { key } = await keptKey();
    const heard = once(listener, "notification");
    const exec = promisify(execFile);
    await exec("npx", ["tsx", "scripts/keys.ts", "revoke", prefixOf(key)], {
      env: { ...process.env, DATABASE_URL: db.url, NODE_ENV: "test" },
      timeout: 120_000,
    });
    await heard;
    const res = await whoami(key);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/revoked/);
  });

  it(prose`
    when a kept key's scopes are changed by an UPDATE from another connection, then the next request after the
    notification sees the new scopes
  `, async () => {
    const { key, record } = await keptKey(["transactions:read"]);
    expect((await request(app).get("/v1/transactions").set("x-apikey", key)).status).toBe(200);
    const heard = once(listener, "notification");
    await outside((c) => c.query("UPDATE api_keys SET scopes = '{customers:read}' WHERE id = $1", [record.id]));
    await heard;
    expect((await request(app).get("/v1/transactions").set("x-apikey", key)).status).toBe(403);
  });

  it(prose`
    when only last_used_at changes, then nothing is notified; a revocation, a key deleted and a store added are
  `, async () => {
    const { merchant, record } = await keptKey();
    const payloads = await outside(async (client) => {
      const heard: string[] = [];
      client.on("notification", (n) => heard.push(n.payload ?? ""));
      await client.query(`LISTEN ${KEY_CACHE_CHANNEL}`);
      await outside(async (writer) => {
        await writer.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [record.id]);
        await writer.query("SELECT pg_notify($1, 'mark')", [KEY_CACHE_CHANNEL]);
        await writer.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [record.id]);
        await writer.query("DELETE FROM api_keys WHERE id = $1", [record.id]);
        await writer.query(
          "INSERT INTO locations (id, merchant_id, pos_id, name, time_zone) " +
            "VALUES (gen_random_uuid(), $1, 'N', 'N', 'UTC')",
          [merchant.id],
        );
        await writer.query("SELECT pg_notify($1, 'end')", [KEY_CACHE_CHANNEL]);
      });
      while (!heard.includes("end")) await once(client, "notification");
      return heard;
    });
    expect(payloads).toEqual(["mark", "api_keys", "api_keys", "locations", "end"]);
  });

  it(prose`
    when a key's row is read, then the key is revoked and the notification heard before the lookup answers, then the
    row read is not kept: the next request reads the key again and is refused
  `, async () => {
    const { key, record } = await keptKey();
    // Empty the cache (a notification), then hold the next lookup's answer until after the revocation.
    const emptied = once(listener, "notification");
    await outside((c) => c.query("SELECT pg_notify($1, 'test')", [KEY_CACHE_CHANNEL]));
    await emptied;
    let release!: () => void;
    const barrier = new Promise<void>((resolve) => {
      release = resolve;
    });
    let read!: () => void;
    const lookupAnswered = new Promise<void>((resolve) => {
      read = resolve;
    });
    const query = db.pool.query.bind(db.pool);
    const spy = vi.spyOn(db.pool, "query").mockImplementation((async (config: { text?: string }) => {
      const result = await (query as (c: unknown) => Promise<unknown>)(config);
      if (config.text?.includes('where "k"."prefix" = $1')) {
        read();
        await barrier;
      }
      return result;
    }) as never);
    try {
      const held = whoami(key).then((res) => res);
      await lookupAnswered;
      const heard = once(listener, "notification");
      await outside((c) => c.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [record.id]));
      await heard;
      spy.mockRestore();
      release();
      // Read before the revocation committed: the request stands as it was read.
      expect((await held).status).toBe(200);
    } finally {
      spy.mockRestore();
      release();
    }
    const refused = await whoami(key);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/revoked/);
  });

  it(prose`
    when the listening connection is lost, then the cache is emptied: once it listens again, a key revoked unheard (no
    notification) is refused, read from the database
  `, async () => {
    const { key, record } = await keptKey();
    const lost = once(listener, "lost");
    await outside((c) =>
      c.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity " +
          "WHERE application_name = 'pos-bridge listener' AND datname = current_database()",
      ),
    );
    await lost;
    // Triggers off for this session: no notification can tell the service.
    await outside(async (c) => {
      await c.query("SET session_replication_role = replica");
      await c.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [record.id]);
    });
    // Listening again (it reconnects by itself): what was kept before the loss must be gone.
    await keyCacheListening(db);
    const res = await whoami(key);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/revoked/);
  });

  it(prose`
    when the listener never listens, then every request reads its key from the database, and a key revoked unheard is
    refused at once
  `, async () => {
    const deaf = Object.assign(new EventEmitter(), { listening: false, start() {}, close: async () => {} });
    const deafApp = createApp({
      db: { ...db, listener: () => deaf as never },
      config,
      logger: createLogger("silent"),
    });
    const merchant = await makeMerchant(db);
    const { key, record } = await makeKey(db, merchant.id);
    for (let i = 0; i < 3; i++) {
      const sent = await statementsOf(async () =>
        expect((await request(deafApp).get("/v1/whoami").set("x-apikey", key)).status).toBe(200),
      );
      expect(keyReads(sent)).toHaveLength(1);
    }
    await outside(async (c) => {
      await c.query("SET session_replication_role = replica");
      await c.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [record.id]);
    });
    expect((await request(deafApp).get("/v1/whoami").set("x-apikey", key)).status).toBe(401);
  });

  it("when a key is unknown, then that is not kept: a key made a moment later with that prefix works", async () => {
    const merchant = await makeMerchant(db);
    const { key, record } = await makeKey(db, merchant.id);
    const saved = await outside(async (c) => {
      const { rows } = await c.query("DELETE FROM api_keys WHERE id = $1 RETURNING *", [record.id]);
      return rows[0];
    });
    expect((await whoami(key)).status).toBe(401);
    await outside(async (c) => {
      await c.query("SET session_replication_role = replica");
      await c.query(
        "INSERT INTO api_keys (id, merchant_id, name, prefix, hash, scopes, location_ids) " +
          "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [saved.id, saved.merchant_id, saved.name, saved.prefix, saved.hash, saved.scopes, saved.location_ids],
      );
    });
    expect((await whoami(key)).status).toBe(200);
  });

  it(prose`
    when a pos:write key's stores are kept and a store is added unheard, then a write to the new store works at once
    (a store the kept key does not know is read again)
  `, async () => {
    const merchant = await makeMerchant(db);
    const first = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
    const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write"] });
    const tenant = { merchant, location: first, key, keyId: "" };
    const client = as(app, key);
    expect((await client.put("/v1/transactions/r-1", receiptBody(tenant))).status).toBe(201);
    const warm = await statementsOf(async () =>
      expect((await client.put("/v1/transactions/r-2", receiptBody(tenant))).status).toBe(201),
    );
    expect(keyReads(warm)).toEqual([]);
    const added = await outside(async (c) => {
      await c.query("SET session_replication_role = replica");
      const { rows } = await c.query(
        "INSERT INTO locations (id, merchant_id, pos_id, name, time_zone) " +
          "VALUES (gen_random_uuid(), $1, 'NEW-1', 'New', 'America/Denver') RETURNING id",
        [merchant.id],
      );
      return rows[0].id as string;
    });
    const res = await client.put("/v1/transactions/r-3", { ...receiptBody(tenant), location_id: added });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it("when KEY_CACHE_TTL_MS is 0, then every request reads its key", async () => {
    const uncached = await createTestApp({ env: { KEY_CACHE_TTL_MS: "0" } });
    const merchant = await makeMerchant(uncached.db);
    const { key } = await makeKey(uncached.db, merchant.id);
    for (let i = 0; i < 3; i++) {
      const sent = await statementsOf(async () =>
        expect((await request(uncached.app).get("/v1/whoami").set("x-apikey", key)).status).toBe(200),
      );
      expect(keyReads(sent)).toHaveLength(1);
    }
  });
});

describe("the key cache's TTL", () => {
  it("when a kept key is older than the TTL, then it is no longer served", () => {
    let now = 0;
    const heard = Object.assign(new EventEmitter(), { listening: true });
    const cache = new KeyCache(heard as never, 1_000, () => now);
    const key = { id: "k" } as never;
    cache.keep("pb_test_x", cache.begin(), key);
    now = 999;
    expect(cache.get("pb_test_x")).toBe(key);
    now = 1_000;
    expect(cache.get("pb_test_x")).toBeUndefined();
  });
});
