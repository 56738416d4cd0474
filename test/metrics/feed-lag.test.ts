// Feed stalls: any session of the database that holds a transaction id holds back the horizon of
// every feed for as long as it lasts. The lag is visible (/readyz, the gauge), warned about in the
// log past FEED_LAG_WARN_MS, and the embedded server bounds what an idle or runaway session can do.
import { Writable } from "node:stream";
import pg from "pg";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { STALL_BOUNDS } from "../../src/db/embedded.js";
import { createLogger } from "../../src/lib/logger.js";
import { prose } from "../../src/lib/prose.js";
import { createFeedLagMonitor } from "../../src/metrics/feed-lag.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeMerchant } from "../helpers/factories.js";
import { parseExposition } from "./scrape.js";

const lines: Record<string, unknown>[] = [];
const logTo = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});
const WARN_MS = 400;
const { app, db } = await createTestApp({ env: { FEED_LAG_WARN_MS: String(WARN_MS) }, logTo });
const merchant = await makeMerchant(db);
const { key } = await makeKey(db, merchant.id);
const http = request(app);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const warnings = () => lines.filter((l) => l.level === 40 && String(l.msg).startsWith("feeds stalled"));

/** Another session of the database (not the service's) that takes a transaction id and keeps its transaction open. */
async function holdTransaction() {
  const client = new pg.Client({ connectionString: db.url, application_name: "outside-report-job" });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT txid_current()");
  const { rows } = await client.query<{ pid: number; started: string }>(
    `SELECT pg_backend_pid() AS pid,
      to_char(xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started FROM pg_stat_activity
        WHERE pid = pg_backend_pid()`,
  );
  return {
    ...rows[0]!,
    async end() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}

const outside: { end(): Promise<void> }[] = [];
afterAll(async () => {
  for (const held of outside) await held.end().catch(() => {});
});

describe("feed lag", () => {
  it("when nothing holds a transaction id, then /readyz reports a lag near zero and nothing is warned", async () => {
    const res = await http.get("/readyz");
    expect(res.status).toBe(200);
    expect(res.body.feed_lag_seconds).toBeGreaterThanOrEqual(0);
    expect(res.body.feed_lag_seconds).toBeLessThan(WARN_MS / 1000);
    expect(Date.parse(res.body.complete_through)).toBeGreaterThan(Date.now() - 60_000);
    expect(warnings()).toEqual([]);
  });

  it(prose`
    when an outside session holds a transaction open past the threshold, then /readyz, the feed and the gauge show the
    same lag from its start, and the log warns naming the session, not its query
  `, async () => {
    const held = await holdTransaction();
    outside.push(held);
    // The lag is time itself: it passes the threshold only once that much time has passed.
    await sleep(WARN_MS + 300);

    const ready = await http.get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe("ready");
    expect(ready.body.complete_through).toBe(held.started);
    expect(ready.body.feed_lag_seconds).toBeGreaterThanOrEqual((WARN_MS + 300) / 1000);

    const feed = await http.get("/v1/transactions").set("x-apikey", key);
    expect(feed.body.complete_through).toBe(held.started);

    const { key: metricsKey } = await makeKey(db, merchant.id, { scopes: ["metrics:read"] });
    const scrape = parseExposition((await http.get("/metrics").set("x-apikey", metricsKey)).text);
    expect(scrape.value("posbridge_feed_lag_seconds")).toBeGreaterThanOrEqual(ready.body.feed_lag_seconds);

    expect(warnings()).toHaveLength(1); // repeated at most once a minute while it lasts
    const [warning] = warnings();
    expect(warning).toMatchObject({
      complete_through: held.started,
      threshold_ms: WARN_MS,
      holder: { pid: held.pid, application_name: "outside-report-job", state: "idle in transaction" },
    });
    expect(warning!.feed_lag_seconds).toBeGreaterThanOrEqual((WARN_MS + 300) / 1000);
    expect(JSON.stringify(warning)).not.toMatch(/txid_current|query/);

    await held.end();
    const after = await http.get("/readyz");
    expect(after.body.feed_lag_seconds).toBeLessThan(WARN_MS / 1000);
    expect(after.body.complete_through > held.started).toBe(true);
    expect(lines.some((l) => l.level === 30 && String(l.msg).startsWith("feeds caught up"))).toBe(true);
  });

  it(prose`
    when the server's sampler runs and a session holds the feeds back, then it warns with nobody polling
  `, async () => {
    const logged: string[] = [];
    const logger = createLogger("info", { write: (line: string) => void logged.push(line) });
    const monitor = createFeedLagMonitor({ pool: db.pool, warnAfterMs: WARN_MS, logger });
    const held = await holdTransaction();
    outside.push(held);
    monitor.start(50);
    try {
      const deadline = Date.now() + 10_000;
      while (!logged.some((l) => l.includes("feeds stalled")) && Date.now() < deadline) await sleep(50);
    } finally {
      monitor.stop();
      await held.end();
    }
    const warning = JSON.parse(logged.find((l) => l.includes("feeds stalled"))!) as {
      feed_lag_seconds: number;
      holder: { pid: number };
    };
    expect(warning.feed_lag_seconds).toBeGreaterThanOrEqual(WARN_MS / 1000);
    expect(warning.holder.pid).toBe(held.pid);
  });

  it(prose`
    when the embedded PostgreSQL runs, then a session idle in a transaction is ended after a minute and a statement
    after five
  `, async () => {
    expect(STALL_BOUNDS).toEqual(["idle_in_transaction_session_timeout=60s", "statement_timeout=5min"]);
    const { rows } = await db.pool.query<{ idle: string; statement: string; source: string }>(
      "SELECT current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('statement_timeout') " +
        "AS statement, (SELECT source FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout') AS source",
    );
    expect(rows[0]).toEqual({ idle: "1min", statement: "5min", source: "command line" });
  });
});
