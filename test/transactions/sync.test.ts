// Lossless sync: a poller walking the change feed page by page, then continuing from where the API
// tells it, receives every committed change, including writes whose database transaction commits
// after the poller has passed their timestamp (updated_at is set when the row is written, not when
// it commits).
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";
import { openWriter } from "../helpers/feed-writer.js";

const { app, db } = await createTestApp();

async function store() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id);
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  return { merchant, location, key };
}

/** A poller as AIQ runs one: pages while has_more, then keeps the last cursor for the next poll. */
function poller(key: string, limit: number) {
  let cursor: string | null = null;
  /** Every version received: id → the updated_at and status of each delivery. */
  const received = new Map<string, { updated_at: string; status: string }[]>();
  let completeThrough = "";
  return {
    received,
    get completeThrough() {
      return completeThrough;
    },
    /** One poll: pages until has_more is false. */
    async poll() {
      for (;;) {
        const res = await request(app)
          .get("/v1/transactions")
          .query(cursor ? { limit, cursor } : { limit })
          .set("x-apikey", key);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        for (const record of res.body.data) {
          const versions = received.get(record.id) ?? [];
          versions.push({ updated_at: record.updated_at, status: record.status });
          received.set(record.id, versions);
        }
        cursor = res.body.next_cursor;
        completeThrough = res.body.complete_through;
        expect(cursor).not.toBeNull();
        if (!res.body.has_more) return;
      }
    },
  };
}

describe("lossless change feed of transactions", () => {
  it(prose`
    when a write is held open across a poll and commits after later writes were served, then the next poll delivers it
  `, async () => {
    const { location, key } = await store();
    const early = await makeTransaction(db, location);
    const served = await makeTransaction(db, location);
    const writer = await openWriter(db.url);
    const late = await writer.insertSale(location, "R-late");
    const voidLater = await openWriter(db.url);
    const voided = await voidLater.voidSale(served.id);
    // Committed after the held writes took their timestamps.
    const after = await makeTransaction(db, location);
    const client = poller(key, 2);

    await client.poll();
    // Not served yet: nothing at or after the oldest open write's start, or the late commits would be skipped.
    expect([...client.received.keys()]).toEqual([early.id, served.id]);
    expect(client.received.has(after.id)).toBe(false);
    expect(Date.parse(client.completeThrough)).toBeLessThanOrEqual(Date.parse(late.updated_at));

    await writer.commit();
    await voidLater.commit();
    await client.poll();

    expect(client.received.get(late.id)).toEqual([{ updated_at: late.updated_at, status: "completed" }]);
    expect(client.received.get(served.id)!.at(-1)).toEqual({ updated_at: voided.updated_at, status: "voided" });
    expect(client.received.get(after.id)).toHaveLength(1);
    expect(client.received.get(early.id)).toHaveLength(1);
  });

  it(prose`
    when a write in flight at the key lookup (which reads the horizon) commits before the page's statement runs, then
    that page does not serve it and the next poll does
  `, async () => {
    const { location, key } = await store();
    const early = await makeTransaction(db, location);
    const writer = await openWriter(db.url);
    const late = await writer.insertSale(location, "R-between");
    const after = await makeTransaction(db, location);
    // The commit lands right before the page's statement is sent: after the key and the horizon were read.
    const query = pg.Client.prototype.query;
    let committed = false;
    vi.spyOn(pg.Client.prototype, "query").mockImplementation(async function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as { text?: string } | string;
      const text = typeof config === "string" ? config : (config.text ?? "");
      if (!committed && text.startsWith("WITH page AS")) {
        committed = true;
        await writer.commit();
      }
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    const client = poller(key, 10);
    try {
      await client.poll();
    } finally {
      vi.restoreAllMocks();
    }
    expect(committed).toBe(true);
    // Visible to the page's snapshot, but at or past the horizon read with the key: not served yet.
    expect([...client.received.keys()]).toEqual([early.id]);
    expect(Date.parse(client.completeThrough)).toBeLessThanOrEqual(Date.parse(late.updated_at));

    await client.poll();
    expect(client.received.get(late.id)).toEqual([{ updated_at: late.updated_at, status: "completed" }]);
    expect(client.received.get(after.id)).toHaveLength(1);
    expect(client.received.get(early.id)).toHaveLength(1);
  });

  it(prose`
    when an old transaction takes its first write after a poll (the horizon moves back), then the caught-up poller is
    served nothing twice
  `, async () => {
    const { location, key } = await store();
    const old = await openWriter(db.url); // begun before everything below, no write yet
    await sleep(5);
    const first = await makeTransaction(db, location);
    const client = poller(key, 10);
    await client.poll();
    expect([...client.received.keys()]).toEqual([first.id]);

    // Now the old transaction writes: the horizon falls back to its start, before `first`.
    const late = await old.insertSale(location, "R-old");
    await client.poll();
    await old.commit();
    await client.poll();

    expect(client.received.get(first.id)).toHaveLength(1);
    expect(client.received.get(late.id)).toEqual([{ updated_at: late.updated_at, status: "completed" }]);
  });

  it(prose`
    when several writers commit at random delays while a poller runs, then afterwards the poller has every committed row
    and every change
  `, async () => {
    const { location, key } = await store();
    const client = poller(key, 7);
    /** What was committed: id → the updated_at of each committed write. */
    const committed = new Map<string, string[]>();
    let writing = true;
    const random = (max: number) => Math.floor(Math.random() * max);

    async function writerLoop(n: number) {
      for (let i = 0; i < 12; i++) {
        const writer = await openWriter(db.url);
        await sleep(random(15));
        const ids = [...committed.keys()];
        // Two thirds new sales, one third voids of sales already committed (a change to a row the poller may have had).
        const target = ids.length && random(3) === 0 ? ids[random(ids.length)]! : null;
        const row = target
          ? { id: target, ...(await writer.voidSale(target)) }
          : await writer.insertSale(location, `R-${n}-${i}`);
        // The commit lands 0–60 ms after the row's timestamp: later writers often commit first.
        await sleep(random(60));
        await writer.commit();
        const versions = committed.get(row.id) ?? [];
        versions.push(row.updated_at);
        committed.set(row.id, versions);
      }
    }

    const polling = (async () => {
      while (writing) {
        await client.poll();
        await sleep(random(10));
      }
    })();
    await Promise.all([1, 2, 3, 4].map(writerLoop));
    writing = false;
    await polling;
    // Afterwards: poll until the feed is complete past the last commit.
    const done = new Date().toISOString();
    for (let i = 0; i < 50 && !(client.completeThrough > done); i++) {
      await sleep(20);
      await client.poll();
    }

    const final = await db.pool.query<{ id: string; updated_at: string; status: string }>(
      `SELECT id, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at,
        status FROM transactions WHERE location_id = $1`,
      [location.id],
    );
    expect(final.rows.length).toBe(committed.size);
    expect(final.rows.length).toBeGreaterThan(16);
    for (const row of final.rows) {
      const versions = client.received.get(row.id);
      expect(versions, `row ${row.id} was never delivered`).toBeDefined();
      // The last delivery is the row as it is now; each version came once, in change order.
      expect(versions!.at(-1)).toEqual({ updated_at: row.updated_at, status: row.status });
      const times = versions!.map((v) => v.updated_at);
      expect(new Set(times).size).toBe(times.length);
    }
    // Every committed write was delivered (as that version, or a later one of the same row).
    for (const [id, times] of committed) {
      const delivered = client.received.get(id)!.map((v) => v.updated_at);
      for (const at of times)
        expect(
          delivered.some((d) => d >= at),
          `write ${id}@${at}`,
        ).toBe(true);
    }
  });
});
