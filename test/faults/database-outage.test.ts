// The database going away under load: a PostgreSQL of this test's own (durable, unlike the suite's)
// is stopped in fast mode, started, crashed in immediate mode (SIGQUIT to the postmaster, which is
// what pg_ctl stop -m immediate sends) and started again, each time while a write waits mid-
// transaction on a lock the test holds, and while a poller and writers call the service over real
// HTTP. Then: no answer was a 5xx other than a 503 problem with Retry-After (none a 500), every
// acknowledged write is wholly stored, no receipt is partial (a refused one is absent or whole, with
// its embedded customer only if the receipt is there), and the poller's feed holds every
// acknowledged receipt. Phases advance on counted answers and on what pg_stat_activity shows, never
// on sleeps.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { parseEnv } from "../../src/config/env.js";
import { createDb, type Db } from "../../src/db/client.js";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../../src/db/embedded.js";
import { applyMigrations } from "../../src/db/migrations.js";
import { createLogger } from "../../src/lib/logger.js";
import { prose } from "../../src/lib/prose.js";
import { freePort } from "../helpers/ports.js";
import { makeTenant, type Tenant } from "../writes/helpers.js";
import { holdLock, lockWaiters, until } from "./helpers.js";

/** The service's log lines at warn and above (the outage is a warning, never an error). */
const logged: { level: number; msg: string }[] = [];
const logTo = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split("\n").filter(Boolean)) logged.push(JSON.parse(line));
    done();
  },
});

const dir = path.resolve(".data/test-runs", `${process.pid}-outage-${randomUUID().slice(0, 8)}`);
let pgPort: number;
let server: EmbeddedDatabase;
let url: string;
let db: Db;
let http: ReturnType<ReturnType<typeof createApp>["listen"]>;
let base: string;
let t: Tenant;

beforeAll(async () => {
  pgPort = await freePort();
  server = await startEmbeddedPostgres({ dir, port: pgPort });
  url = await server.ensureDatabase("pos_bridge");
  await applyMigrations(url);
  db = createDb({ url, poolMax: 10 });
  const config = parseEnv({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATABASE_URL: url,
    RATE_LIMIT_PER_MINUTE: "1000000",
  });
  http = createApp({ db, config, logger: createLogger("warn", logTo) }).listen(0, "127.0.0.1");
  await once(http, "listening");
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  t = await makeTenant(db);
}, 180_000);

afterAll(async () => {
  http?.closeAllConnections();
  http?.close();
  await db?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  actor: string;
  route: string;
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  body: any;
}
const answers: Answer[] = [];
const ACTORS = ["writer-0", "writer-1", "batcher", "poller"];
let stopping = false;

async function call(actor: string, method: string, route: string, body?: unknown): Promise<Answer> {
  let answer: Answer;
  try {
    const res = await fetch(base + route, {
      method,
      headers: { "x-apikey": t.key, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    answer = {
      actor,
      route: `${method} ${route.split("?")[0]!.replace(/\/[WB]\d+-\d+$/, "/{pos_id}")}`,
      status: res.status,
      contentType: res.headers.get("content-type"),
      retryAfter: res.headers.get("retry-after"),
      body: text ? JSON.parse(text) : null,
    };
  } catch (err) {
    answer = { actor, route, status: 0, contentType: null, retryAfter: null, body: String(err) };
  }
  answers.push(answer);
  return answer;
}

/** What each receipt sent holds: its number of lines and its embedded customer (if any). */
const sent = new Map<string, { lines: number; customer: string | null }>();
const acknowledged = new Set<string>();
const refused = new Set<string>();
const unexpected: unknown[] = [];
const pace = () => new Promise((resolve) => setTimeout(resolve, 5));

const lines = (n: number, tag: string) =>
  Array.from({ length: n }, (_, k) => ({
    sku: `SKU-${tag}-${k}`,
    name: `Item ${k}`,
    unit_price: "10.00",
    quantity: k + 1,
    discount: "0.50",
    tax: "0.80",
  }));

/** PUTs of new receipts with 12 lines and an embedded new customer (created in the same transaction). */
async function writer(n: number) {
  for (let i = 0; !stopping; i++) {
    const posId = `W${n}-${i}`;
    const customer = `C${n}-${i}`;
    sent.set(posId, { lines: 12, customer });
    const res = await call(`writer-${n}`, "PUT", `/v1/transactions/${posId}`, {
      location_id: t.location.id,
      transacted_at: "2026-03-01T18:30:00-07:00",
      customer: { pos_user: customer },
      lines: lines(12, posId),
    });
    if (res.status === 201 || res.status === 200) acknowledged.add(posId);
    else if (res.status === 503) refused.add(posId);
    else unexpected.push({ posId, status: res.status, body: res.body });
    await pace();
  }
}

/** Batches of 10 plain sales of 4 lines (written together in one transaction). */
async function batcher() {
  for (let i = 0; !stopping; i++) {
    const receipts = Array.from({ length: 10 }, (_, j) => {
      const posId = `B${i}-${j}`;
      sent.set(posId, { lines: 4, customer: null });
      return {
        pos_id: posId,
        location_id: t.location.id,
        transacted_at: "2026-03-01T18:30:00-07:00",
        lines: lines(4, posId),
      };
    });
    const res = await call("batcher", "POST", "/v1/transactions/batch", { receipts });
    if (res.status === 503) {
      for (const r of receipts) refused.add(r.pos_id);
    } else if (res.status !== 200) unexpected.push({ batch: i, status: res.status, body: res.body });
    else {
      for (const result of res.body.results) {
        if (result.result === "created") acknowledged.add(result.pos_id);
        else if (result.result === "error" && result.status === 503 && result.code === "unavailable")
          refused.add(result.pos_id);
        else unexpected.push(result);
      }
    }
    await pace();
  }
}

/** Follows the transactions feed (and asks who it is: a Prisma read) like AIQ's poller. */
const polled = new Set<string>();
let cursor: string | undefined;
async function pollOnce(): Promise<boolean> {
  const res = await call(
    "poller",
    "GET",
    `/v1/transactions?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
  );
  if (res.status !== 200) return false;
  for (const record of res.body.data) polled.add(record.pos_id);
  cursor = res.body.next_cursor;
  return !res.body.has_more;
}
async function poller() {
  while (!stopping) {
    await pollOnce();
    await call("poller", "GET", "/v1/whoami");
    await pace();
  }
}

/** Answers of `actor` from index `from` of the answer log on. */
const since = (from: number, actor: string, status?: number) =>
  answers.slice(from).filter((a) => a.actor === actor && (status === undefined || a.status === status)).length;
const everyActor = (from: number, minimum: number, status?: (actor: string) => number) =>
  ACTORS.every((actor) => since(from, actor, status?.(actor)) >= minimum);
const okStatus = (actor: string) => (actor.startsWith("writer") ? 201 : 200);

/** A write waits mid-transaction on a lock the test holds: the outage surely catches one. */
async function holdAWriteMidTransaction() {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // the stop ends this session too
  await client.connect();
  await holdLock(client, "LOCK TABLE line_items IN EXCLUSIVE MODE");
  await until("a write waits mid-transaction on the lock", async () =>
    (await lockWaiters(client)).some((w) => w.wrote),
  );
  return client;
}

async function outage(stop: () => Promise<void>) {
  const client = await holdAWriteMidTransaction();
  await stop();
  // From here the database is down: every request that starts now fails at its first query.
  const from = answers.length;
  await until("every actor was answered during the outage", () => everyActor(from, 3));
  const refusedDuringOutage = answers.slice(from).filter((a) => a.status === 503).length;
  server = await startEmbeddedPostgres({ dir, port: pgPort });
  const restarted = answers.length;
  await until("every actor succeeds again after the restart", () => everyActor(restarted, 3, okStatus));
  await client.end().catch(() => {});
  return refusedDuringOutage;
}

/** pg_ctl stop -m immediate: SIGQUIT to the postmaster (its pid heads postmaster.pid); waits until it is gone. */
async function crashImmediately() {
  const pid = Number(readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
  process.kill(pid, "SIGQUIT");
  await until("the postmaster has exited", () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
}

describe("the database stopped and crashed under a poller and writers", () => {
  it(prose`
    when PostgreSQL stops (fast), then crashes (immediate), and comes back, then no answer is a 5xx but a 503 problem
    with Retry-After, every acknowledged write is whole, nothing is partial, and the feed has every acknowledged receipt
  `, async () => {
    const actors = [writer(0), writer(1), batcher(), poller()];
    await until("every actor has succeeded", () => everyActor(0, 3, okStatus));

    const refusedFast = await outage(() => server.stop());
    const refusedImmediate = await outage(crashImmediately);

    stopping = true;
    await Promise.all(actors);
    await until("the poller has caught up", pollOnce);

    // Nothing but 2xx and 503 problems with Retry-After; never a 500, never a dropped connection.
    const statuses = [...new Set(answers.map((a) => a.status))].sort();
    expect(
      statuses.every((s) => [200, 201, 503].includes(s)),
      JSON.stringify(statuses),
    ).toBe(true);
    for (const a of answers.filter((x) => x.status === 503)) {
      expect(a.contentType).toMatch(/^application\/problem\+json/);
      expect(a.retryAfter).toMatch(/^\d+$/);
      expect(a.body).toMatchObject({ status: 503, code: "unavailable" });
    }
    expect(unexpected).toEqual([]);
    // Logged as the database being unavailable (warn), never as a failed request (error).
    expect(logged.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    expect(logged.some((l) => l.msg === "the database is unavailable")).toBe(true);
    // Both outages were seen by the clients as refusals.
    expect(refusedFast).toBeGreaterThan(0);
    expect(refusedImmediate).toBeGreaterThan(0);
    // Every route called was refused at least once while the database was down.
    expect([...new Set(answers.filter((a) => a.status === 503).map((a) => a.route))].sort()).toEqual(
      ["GET /v1/transactions", "GET /v1/whoami", "POST /v1/transactions/batch", "PUT /v1/transactions/{pos_id}"].sort(),
    );

    // The stored state: whole receipts only.
    const { rows } = await db.pool.query<{ pos_id: string; lines: number; total_ok: boolean; customer: string | null }>(
      `SELECT t.pos_id, count(l.id)::int AS lines, t.total = coalesce(sum(l.line_total), 0) AS total_ok,
        c.pos_user AS customer
         FROM transactions t LEFT JOIN line_items l ON l.transaction_id = t.id LEFT JOIN customers c
           ON c.id = t.customer_id
        WHERE t.merchant_id = $1 GROUP BY t.id, c.pos_user`,
      [t.merchant.id],
    );
    const stored = new Map(rows.map((r) => [r.pos_id, r]));
    for (const posId of acknowledged) expect(stored.has(posId), `acknowledged ${posId} is stored`).toBe(true);
    for (const r of rows) {
      const expected = sent.get(r.pos_id)!;
      expect({ pos_id: r.pos_id, lines: r.lines, total_ok: r.total_ok, customer: r.customer }).toEqual({
        pos_id: r.pos_id,
        lines: expected.lines,
        total_ok: true,
        customer: expected.customer,
      });
    }
    // A refused receipt's customer (created in its transaction) exists only with the receipt.
    const { rows: customers } = await db.pool.query<{ pos_user: string }>(
      "SELECT pos_user FROM customers WHERE merchant_id = $1",
      [t.merchant.id],
    );
    const receiptCustomers = new Set(rows.map((r) => r.customer));
    expect(customers.filter((c) => !receiptCustomers.has(c.pos_user))).toEqual([]);
    expect(refused.size).toBeGreaterThan(0);
    // The poller lost nothing.
    expect([...acknowledged].filter((posId) => !polled.has(posId))).toEqual([]);
  }, 300_000);
});
