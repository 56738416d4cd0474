// The feed's horizon reused across requests (src/lib/recent-horizon.ts): a feed request that starts
// within FEED_HORIZON_REUSE_MS of a horizon's reading serves below that horizon, unless a write through
// this process ended since. The window is a minute here and the clock it is measured on
// (performance.now) is the test's: "within the window" and "the window has passed" are decided by the
// test, never by how fast the machine is.
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import { createLogger } from "../../src/lib/logger.js";
import { prose } from "../../src/lib/prose.js";
import { feedRequestLag } from "../../src/metrics/registry.js";
import { createTestApp, keyCacheListening } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";
import { openWriter } from "../helpers/feed-writer.js";
import { statementsOf } from "../helpers/round-trips.js";
import { receiptBody } from "../writes/helpers.js";

const WINDOW_MS = 60_000;
const { app, db, config } = await createTestApp({ env: { FEED_HORIZON_REUSE_MS: String(WINDOW_MS) } });
await keyCacheListening(db);

beforeAll(() => {
  vi.useFakeTimers({ toFake: ["performance"] });
});
afterAll(() => {
  vi.useRealTimers();
});

/** Past the window of every horizon read so far: the next feed request reads its own. */
const windowPasses = () => vi.advanceTimersByTime(WINDOW_MS);

async function store() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { timeZone: "America/Denver" });
  const { key, record } = await makeKey(db, merchant.id, { scopes: ["transactions:read", "pos:write"] });
  return { merchant, location, key, keyId: record.id };
}

/** A caught-up poller: pages while has_more, keeps the continuation. */
function poller(key: string) {
  let cursor: string | null = null;
  const received: string[] = [];
  let completeThrough = "";
  return {
    received,
    get completeThrough() {
      return completeThrough;
    },
    async poll() {
      for (;;) {
        const res = await request(app)
          .get("/v1/transactions")
          .query(cursor ? { limit: 10, cursor } : { limit: 10 })
          .set("x-apikey", key);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        received.push(...res.body.data.map((record: { id: string }) => record.id));
        cursor = res.body.next_cursor;
        completeThrough = res.body.complete_through;
        if (!res.body.has_more) return;
      }
    },
  };
}

describe("the feed's horizon reused across requests", () => {
  it(prose`
    when another connection commits a write after a horizon was read, then feed requests within the window do not
    serve it, and once the window has passed the next one does
  `, async () => {
    windowPasses();
    const { location, key } = await store();
    const early = await makeTransaction(db, location);
    const client = poller(key);
    await client.poll();
    expect(client.received).toEqual([early.id]);
    const horizon = client.completeThrough;

    const writer = await openWriter(db.url);
    const late = await writer.insertSale(location, "R-late");
    await writer.commit();
    await client.poll();
    expect(client.received).toEqual([early.id]);
    expect(client.completeThrough).toBe(horizon);

    windowPasses();
    await client.poll();
    expect(client.received).toEqual([early.id, late.id]);
    expect(client.completeThrough > late.updated_at).toBe(true);
  });

  it(prose`
    when a write goes through the service, then the next feed request serves it at once: a new sale, then its
    replacement
  `, async () => {
    windowPasses();
    const t = await store();
    const client = poller(t.key);
    await client.poll();
    expect(client.received).toEqual([]);

    const tenant = { merchant: t.merchant, location: t.location, key: t.key, keyId: t.keyId };
    const put = (body: object) =>
      request(app)
        .put("/v1/transactions/R-1")
        .set("x-apikey", t.key)
        .send(body as object);
    const created = await put(receiptBody(tenant));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await client.poll();
    expect(client.received).toEqual([created.body.id]);

    const replaced = await put(receiptBody(tenant, { transacted_at: "2026-03-02T10:00:00-07:00" }));
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    await client.poll();
    expect(client.received).toEqual([created.body.id, created.body.id]);
  });

  it(prose`
    when a writer's transaction is held open, then the feed stays capped below its start — read fresh, then reused
    after it commits — and its write comes once the window has passed, nothing lost
  `, async () => {
    windowPasses();
    const { location, key } = await store();
    const early = await makeTransaction(db, location);
    const writer = await openWriter(db.url);
    const held = await writer.insertSale(location, "R-held");
    const after = await makeTransaction(db, location);
    const client = poller(key);

    await client.poll();
    expect(client.received).toEqual([early.id]);
    expect(client.completeThrough <= held.updated_at).toBe(true);
    const capped = client.completeThrough;

    await writer.commit();
    await client.poll();
    expect(client.received).toEqual([early.id]);
    expect(client.completeThrough).toBe(capped);

    windowPasses();
    await client.poll();
    expect(client.received).toEqual([early.id, held.id, after.id]);
  });

  it(prose`
    when a cursor made by another instance is past the horizon this one would reuse, then this one reads its own
    and serves the next page
  `, async () => {
    windowPasses();
    const other = createApp({ db, config, logger: createLogger("silent") });
    const { location, key } = await store();
    const early = await makeTransaction(db, location);
    const onOther = await request(other).get("/v1/transactions").set("x-apikey", key);
    expect(onOther.body.data.map((r: { id: string }) => r.id)).toEqual([early.id]);
    const [second, third] = [await makeTransaction(db, location), await makeTransaction(db, location)];

    const first = await request(app).get("/v1/transactions").query({ limit: 2 }).set("x-apikey", key);
    expect(first.body.data.map((r: { id: string }) => r.id)).toEqual([early.id, second.id]);
    const next = await request(other)
      .get("/v1/transactions")
      .query({ limit: 2, cursor: first.body.next_cursor })
      .set("x-apikey", key);
    expect(next.body.data.map((r: { id: string }) => r.id)).toEqual([third.id]);
  });

  it(prose`
    when a kept key polls while a horizon is fresh, then the page is the only statement; its lag counts the horizon's
    age
  `, async () => {
    windowPasses();
    const { location, key } = await store();
    await makeTransaction(db, location);
    const client = poller(key);
    await client.poll();

    vi.advanceTimersByTime(10_000);
    const before = await lagSum();
    const sent = await statementsOf(() => client.poll());
    expect(sent.filter((text) => !text.startsWith('update "api_keys"')).map((text) => text.slice(0, 12))).toEqual([
      "WITH page AS",
    ]);
    expect((await lagSum()) - before).toBeGreaterThanOrEqual(10);
  });
});

/** The sum of the transactions feed's request lags observed so far (seconds). */
async function lagSum(): Promise<number> {
  const { values } = await feedRequestLag.get();
  return values.find((v) => v.metricName?.endsWith("_sum") && v.labels.feed === "transactions")?.value ?? 0;
}
