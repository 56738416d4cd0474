// Two instances of the service, one database: what "run several behind a load balancer" relies on.
// Two real service processes (src/server.ts, as `npm run dev` runs it) on this file's PostgreSQL,
// with RATE_LIMIT_STORE=postgres and the same CURSOR_SECRET, and a client that alternates between
// them as a round-robin balancer would.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../../src/keys/scopes.js";
import { prose } from "../../src/lib/prose.js";
import { seedReceipts } from "../export/bulk.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { type ServiceProcess, startServiceProcess } from "../helpers/service-process.js";

const db = await createTestDb();
const CURSOR_SECRET = randomBytes(24).toString("hex");

interface Instance extends ServiceProcess {
  name: string;
}

async function startInstance(name: string): Promise<Instance> {
  const instance = await startServiceProcess(
    db.url,
    {
      CURSOR_SECRET,
      RATE_LIMIT_STORE: "postgres",
      // Heavy routes (reports, exports): 10 a minute per key, the budget the shared-limit test spends.
      RATE_LIMIT_HEAVY_PER_MINUTE: "10",
      SHUTDOWN_TIMEOUT_MS: "1000",
      LOG_LEVEL: "warn",
    },
    `instance ${name}`,
  );
  return { ...instance, name };
}

let instances: Instance[] = [];
beforeAll(async () => {
  instances = await Promise.all(["A", "B"].map(startInstance));
}, 180_000);
afterAll(async () => {
  for (const instance of instances) {
    if (instance.child.exitCode === null) instance.child.kill("SIGTERM");
    await instance.exited;
  }
});

/** A round-robin balancer: each call goes to the next instance. */
function balancer() {
  let turn = 0;
  const served = { A: 0, B: 0 } as Record<string, number>;
  return {
    served,
    async call(path: string, key: string, init: { method?: string; body?: unknown } = {}) {
      const instance = instances[turn++ % instances.length]!;
      served[instance.name]!++;
      const res = await fetch(`${instance.base}${path}`, {
        method: init.method ?? "GET",
        headers: { "x-apikey": key, ...(init.body ? { "content-type": "application/json" } : {}) },
        body: init.body ? JSON.stringify(init.body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as Record<string, any>, instance: instance.name };
    },
  };
}

async function tenant(scopes: Scope[]) {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id);
  const { key } = await makeKey(db, merchant.id, { scopes });
  return { merchant, location, key };
}

const receipt = (locationId: string, quantity: number) => ({
  location_id: locationId,
  transacted_at: "2026-03-01T18:30:00-07:00",
  lines: [{ sku: "SKU-BD-35", name: "Blue Dream 3.5g", unit_price: "35.00", quantity, discount: "0.00", tax: "0.00" }],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("two instances on one database", () => {
  it(prose`
    when writers write through both and a poller alternates between them, then the poller ends with every change exactly
    once per version
  `, async () => {
    const { merchant, location, key } = await tenant(["pos:write", "transactions:read"]);
    const writes = balancer();
    const polls = balancer();
    /** What the writers were answered: id → the updated_at of each write (a new version each). */
    const written = new Map<string, string[]>();
    /** What the poller received: id → the updated_at of each delivery. */
    const received = new Map<string, string[]>();
    let cursor: string | null = null;
    let completeThrough = "";

    async function poll() {
      for (;;) {
        const page = await polls.call(
          `/v1/transactions?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
          key,
        );
        expect(page.status, JSON.stringify(page.body)).toBe(200);
        for (const record of page.body.data)
          received.set(record.id, [...(received.get(record.id) ?? []), record.updated_at]);
        cursor = page.body.next_cursor;
        completeThrough = page.body.complete_through;
        if (!page.body.has_more) return;
      }
    }

    async function writer(n: number) {
      for (let i = 0; i < 15; i++) {
        // New receipts, and every third write replaces one written before (a new version of it).
        const posId = i % 3 === 2 ? `W-${n}-${i - 2}` : `W-${n}-${i}`;
        const res = await writes.call(`/v1/transactions/${posId}`, key, {
          method: "PUT",
          body: receipt(location.id, i + 1),
        });
        expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
        written.set(res.body.id, [...(written.get(res.body.id) ?? []), res.body.updated_at]);
      }
    }

    let writing = true;
    const poller = (async () => {
      while (writing) {
        await poll();
        await sleep(5);
      }
    })();
    await Promise.all([1, 2, 3, 4].map(writer));
    writing = false;
    await poller;
    // Afterwards: poll until the feed is complete past the last write's answer.
    const done = new Date().toISOString();
    for (let i = 0; i < 50 && !(completeThrough > done); i++) {
      await sleep(20);
      await poll();
    }

    expect(writes.served.A).toBeGreaterThan(0);
    expect(writes.served.B).toBeGreaterThan(0);
    expect(polls.served.A).toBeGreaterThan(0);
    expect(polls.served.B).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ id: string; updated_at: string }>(
      `SELECT id, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
        FROM transactions WHERE merchant_id = $1`,
      [merchant.id],
    );
    expect(rows).toHaveLength(4 * 10);
    expect(written.size).toBe(rows.length);
    for (const row of rows) {
      const versions = received.get(row.id);
      expect(versions, `receipt ${row.id} was never delivered`).toBeDefined();
      // Each version once, in change order, the last one the receipt as it is now.
      expect(new Set(versions).size, `receipt ${row.id}: ${versions!.join(", ")}`).toBe(versions!.length);
      expect([...versions!].sort()).toEqual(versions);
      expect(versions!.at(-1)).toBe(row.updated_at);
    }
    // Every write that was answered was delivered, as that version or a later one of the same receipt.
    for (const [id, times] of written) {
      for (const at of times)
        expect(
          received.get(id)!.some((d) => d >= at),
          `write ${id}@${at}`,
        ).toBe(true);
    }
  }, 60_000);

  it(prose`
    when one instance makes a cursor, then the other honours it: the same next page, and a tampered one refused by both
  `, async () => {
    const { location, key } = await tenant(["pos:write", "transactions:read"]);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${instances[0]!.base}/v1/transactions/C-${i}`, {
        method: "PUT",
        headers: { "x-apikey": key, "content-type": "application/json" },
        body: JSON.stringify(receipt(location.id, 1)),
      });
      expect(res.status).toBe(201);
    }
    const get = async (instance: Instance, path: string) => {
      const res = await fetch(`${instance.base}${path}`, { headers: { "x-apikey": key } });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const [a, b] = instances as [Instance, Instance];
    const first = await get(a, "/v1/transactions?limit=2");
    expect(first.body.has_more).toBe(true);
    const next = `/v1/transactions?limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`;
    const onB = await get(b, next);
    const onA = await get(a, next);
    expect(onB.status).toBe(200);
    expect(onB.body.data.map((r: { id: string }) => r.id)).toEqual(onA.body.data.map((r: { id: string }) => r.id));
    expect(onB.body.data).toHaveLength(2);
    expect(onB.body.data.map((r: { id: string }) => r.id)).not.toContain(first.body.data[0].id);
    // B's cursor back on A, to the end.
    const last = await get(a, `/v1/transactions?limit=2&cursor=${encodeURIComponent(onB.body.next_cursor)}`);
    expect(last.status).toBe(200);
    expect(last.body.data).toHaveLength(1);
    const tampered = first.body.next_cursor.slice(0, -2) + (first.body.next_cursor.endsWith("AA") ? "BB" : "AA");
    for (const instance of [a, b])
      expect((await get(instance, `/v1/transactions?limit=2&cursor=${encodeURIComponent(tampered)}`)).status).toBe(400);
  });

  it(prose`
    when a key sends 11 heavy requests over a limit of 10, alternating between instances, then the 11th is a 429
    whichever instance gets it
  `, async () => {
    for (const startOn of [0, 1]) {
      const { key } = await tenant(["reports:read"]);
      const statuses: Array<[string, number]> = [];
      for (let i = 0; i < 11; i++) {
        const instance = instances[(startOn + i) % 2]!;
        statuses.push([
          instance.name,
          (await fetch(`${instance.base}/v1/reports/inventory`, { headers: { "x-apikey": key } })).status,
        ]);
      }
      expect(statuses.slice(0, 10).map(([, status]) => status)).toEqual(Array(10).fill(200));
      expect(statuses[10]).toEqual([instances[(startOn + 10) % 2]!.name, 429]);
    }
  });

  it(prose`
    when an instance is stopped mid-export, then the client resumes from its last checkpoint on the other and ends with
    every receipt once
  `, async () => {
    const { merchant, location, key } = await tenant(["transactions:read"]);
    const RECEIPTS = 20_000; // about 20 MB of NDJSON: far more than the sockets buffer, so the stop cuts it
    await seedReceipts(db.pool, location, RECEIPTS);
    const [a, b] = instances as [Instance, Instance];

    // On A: read until the second checkpoint, stop reading, stop A (SIGTERM, as a deploy does).
    const cut = await new Promise<{ records: string[]; checkpoint: string; lines: Record<string, any>[] }>(
      (resolve, reject) => {
        const lines: Record<string, any>[] = [];
        http
          .get(`${a.base}/v1/export/transactions?format=ndjson`, { headers: { "x-apikey": key } }, (res) => {
            expect(res.statusCode).toBe(200);
            let partial = "";
            let stopping = false;
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              const parts = (partial + chunk).split("\n");
              partial = parts.pop()!;
              for (const part of parts) lines.push(JSON.parse(part));
              if (!stopping && lines.filter((l) => l.export === "checkpoint").length >= 2) {
                stopping = true;
                res.pause();
                a.child.kill("SIGTERM");
                // Once A is on its way out, take what the socket still holds, to the cut.
                void a.exited.then(() => res.resume());
              }
            });
            res.on("error", () => {});
            res.on("close", () => {
              const lastCheckpoint = lines.findLastIndex((l) => l.export === "checkpoint");
              if (lastCheckpoint < 0) return reject(new Error("no checkpoint"));
              // The client keeps what came before its last checkpoint and drops what came after it.
              const records = lines
                .slice(0, lastCheckpoint)
                .filter((l) => !l.export)
                .map((l) => l.id as string);
              resolve({ records, checkpoint: lines[lastCheckpoint]!.next_cursor, lines });
            });
          })
          .on("error", reject);
      },
    );
    expect(await a.exited, a.output()).toBe(0);
    expect(
      cut.lines.some((l) => l.export === "end"),
      "the export on A was not cut",
    ).toBe(false);
    expect(cut.records.length).toBeGreaterThanOrEqual(1000);
    expect(cut.records.length).toBeLessThan(RECEIPTS);

    // On B: resume from that checkpoint, to the end line.
    const res = await fetch(
      `${b.base}/v1/export/transactions?format=ndjson&cursor=${encodeURIComponent(cut.checkpoint)}`,
      { headers: { "x-apikey": key } },
    );
    expect(res.status).toBe(200);
    const rest = (await res.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, any>);
    const end = rest.at(-1)!;
    expect(end).toMatchObject({ export: "end", has_more: false });
    const resumed = rest.filter((l) => !l.export).map((l) => l.id as string);
    expect(end.records).toBe(resumed.length);

    const all = [...cut.records, ...resumed];
    expect(new Set(all).size).toBe(all.length);
    const { rows } = await db.pool.query<{ id: string }>("SELECT id FROM transactions WHERE merchant_id = $1", [
      merchant.id,
    ]);
    expect(new Set(all)).toEqual(new Set(rows.map((r) => r.id)));
    expect(all).toHaveLength(RECEIPTS);
  }, 60_000);
});
