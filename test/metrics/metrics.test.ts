// GET /metrics after a known set of requests: every family is there, each count moved by exactly
// what those requests did, and no label carries an id, a key, a path's own values, a phone or an
// email. The registry is the process's, so each figure is read as the difference between a scrape
// before and one after.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createApp } from "../../src/app.js";
import { generateKey } from "../../src/keys/format.js";
import { revokeKey } from "../../src/keys/manage.js";
import { SCOPES } from "../../src/keys/scopes.js";
import { createLogger } from "../../src/lib/logger.js";
import { prose } from "../../src/lib/prose.js";
import { defineRoute } from "../../src/lib/route.js";
import { RetryTransaction, withTransaction } from "../../src/lib/write-transaction.js";
import { routes } from "../../src/routes.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { parseExposition, type Scrape } from "./scrape.js";

// Two routes that exist only here, to make the database do what it rarely does on demand: a
// statement ended by statement_timeout, and write transactions that are rolled back and retried.
const testRoutes = [
  defineRoute({
    method: "get",
    path: "/test/slow-statement",
    operationId: "testSlowStatement",
    summary: "A statement past its statement_timeout",
    tags: ["Test"],
    scope: null,
    query: z.strictObject({}),
    responses: { 204: { description: "never" } },
    handler: async ({ db, respond }) => {
      await withTransaction(db.pool, async (client) => {
        await client.query("SET LOCAL statement_timeout = '50ms'");
        await client.query("SELECT pg_sleep(5)");
      });
      return respond.empty(204);
    },
  }),
  defineRoute({
    method: "post",
    path: "/test/retried-write",
    operationId: "testRetriedWrite",
    summary: "A write whose first attempt hits a serialization failure and whose second loses a race",
    tags: ["Test"],
    scope: null,
    query: z.strictObject({}),
    responses: {
      200: { description: "written on the third attempt", schema: z.object({ attempts: z.number().int() }) },
    },
    handler: async ({ db }) => {
      let attempt = 0;
      await withTransaction(db.pool, async (client) => {
        await client.query("SELECT 1");
        attempt++;
        if (attempt === 1) throw Object.assign(new Error("could not serialize access"), { code: "40001" });
        if (attempt === 2) throw new RetryTransaction();
      });
      return { attempts: attempt };
    },
  }),
];

const { app, db, config } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "2" } });
const testApp = createApp({ db, config, logger: createLogger("silent"), routes: [...routes, ...testRoutes] });

const merchant = await makeMerchant(db);
const store = await makeLocation(db, merchant.id);
const { key } = await makeKey(db, merchant.id, { scopes: SCOPES.filter((s) => s !== "metrics:read") });
const { key: metricsKey } = await makeKey(db, merchant.id, { scopes: ["metrics:read"] });
const { key: revoked, record: revokedRecord } = await makeKey(db, merchant.id);
await revokeKey(db, revokedRecord.id);
const unknown = generateKey("test").key;
const { key: expired } = await makeKey(db, merchant.id, { expiresAt: new Date(Date.now() - 60_000) });

const http = request(app);
const scrape = async (): Promise<Scrape> => {
  const res = await http.get("/metrics").set("x-apikey", metricsKey);
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.text);
};

// Personal and identifying values that the requests below carry in paths, queries and bodies.
const POS_USER = "3035550142";
const EMAIL = "jeanette.quackenbush@example.com";
const receipt = (posId: string, locationId: string = store.id) => ({
  pos_id: posId,
  location_id: locationId,
  transacted_at: "2026-10-08T18:30:00-06:00",
  lines: [{ sku: "METRICS-1", name: "Gummies", category: "Edibles", unit_price: "18.00", quantity: 1, tax: "1.26" }],
});
const customer = { first_name: "Jeanette", email: EMAIL, phone: "(303) 555-0142" };

const before = await scrape();
const backlogBefore = (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM report_rollup_stale"))
  .rows[0]!.n;

// The known set of requests.
const put = (body: object) => http.put(`/v1/customers/${POS_USER}`).set("x-apikey", key).send(body);
const created = await put(customer);
expect(created.status).toBe(201);
expect((await put(customer)).headers["write-result"]).toBe("unchanged");
expect((await put({ ...customer, first_name: "Jean" })).headers["write-result"]).toBe("updated");
expect((await put({ ...customer, email: "not an email" })).status).toBe(422);
expect((await http.get(`/v1/customers/${created.body.id}?email=${EMAIL}`).set("x-apikey", key)).status).toBe(400);
expect((await http.get(`/v1/customers/${created.body.id}`).set("x-apikey", key)).status).toBe(200);

const batch = await http
  .post("/v1/transactions/batch")
  .set("x-apikey", key)
  .send({ receipts: [receipt("R-1"), receipt("R-2"), receipt("R-3", "00000000-0000-4000-8000-000000000000")] });
expect(batch.body.summary).toEqual({ created: 2, updated: 0, unchanged: 0, error: 1 });
const afterWrites = await scrape();

const page = await http.get("/v1/transactions").set("x-apikey", key);
expect(page.body.data).toHaveLength(2);
const exported = await http
  .get("/v1/export/transactions")
  .set("x-apikey", key)
  .buffer(true)
  .parse((res, done) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => (text += chunk));
    res.on("end", () => done(null, text));
  });
expect(exported.status).toBe(200);
const exportText = exported.body as string;
expect(
  (await http.get("/v1/reports/sales").query({ from: "2026-10-01", to: "2026-11-01" }).set("x-apikey", key)).status,
).toBe(200);
// the heavy budget of 2 is spent
expect((await http.get("/v1/export/transactions").set("x-apikey", key)).status).toBe(429);

expect((await http.get("/v1/transactions")).status).toBe(401);
expect((await http.get("/v1/transactions").set("x-apikey", "not-a-key")).status).toBe(401);
expect((await http.get("/v1/transactions").set("x-apikey", revoked)).status).toBe(401);
expect((await http.get("/v1/transactions").set("x-apikey", unknown)).status).toBe(401);
expect((await http.get("/v1/transactions").set("Authorization", `Bearer ${expired}`)).status).toBe(401);
expect((await http.get("/v1/transactions").set("x-apikey", metricsKey)).status).toBe(403);
expect((await http.get("/metrics").set("x-apikey", key)).status).toBe(403);
expect((await http.get(`/v1/nothing/${EMAIL}`)).status).toBe(404);

expect((await request(testApp).get("/test/slow-statement")).status).toBe(503);
expect((await request(testApp).post("/test/retried-write")).body).toEqual({ attempts: 3 });

const after = await scrape();
const delta = (name: string, labels?: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
const requests = (route: string, method: string, statusClass: string) =>
  delta("posbridge_http_request_duration_seconds_count", { route, method, status_class: statusClass });

describe("GET /metrics", () => {
  it(prose`
    when scraped, then every family of the service and the process's default metrics is there, each with its type
  `, () => {
    expect(Object.fromEntries([...after.families].filter(([name]) => name.startsWith("posbridge_")))).toEqual({
      posbridge_http_request_duration_seconds: "histogram",
      posbridge_feed_request_lag_seconds: "histogram",
      posbridge_feed_lag_seconds: "gauge",
      posbridge_rows_served_total: "counter",
      posbridge_export_bytes_total: "counter",
      posbridge_report_rollup_backlog_store_days: "gauge",
      posbridge_report_rollup_refresh_duration_seconds: "histogram",
      posbridge_report_rollup_store_days_rebuilt_total: "counter",
      posbridge_db_pool_connections: "gauge",
      posbridge_db_pool_max_connections: "gauge",
      posbridge_db_pool_waiting_clients: "gauge",
      posbridge_db_statement_timeouts_total: "counter",
      posbridge_db_transaction_retries_total: "counter",
      posbridge_rate_limit_rejections_total: "counter",
      posbridge_auth_failures_total: "counter",
      posbridge_writes_total: "counter",
    });
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
      "nodejs_heap_size_used_bytes",
      "nodejs_gc_duration_seconds",
    ]) {
      expect(after.families.has(name), name).toBe(true);
    }
  });

  it("when requests were made, then each is counted once under its route template, method and status class", () => {
    expect(requests("/v1/customers/{pos_user}", "PUT", "2xx")).toBe(3);
    expect(requests("/v1/customers/{pos_user}", "PUT", "4xx")).toBe(1);
    expect(requests("/v1/customers/{id}", "GET", "2xx")).toBe(1);
    expect(requests("/v1/customers/{id}", "GET", "4xx")).toBe(1);
    expect(requests("/v1/transactions/batch", "POST", "2xx")).toBe(1);
    expect(requests("/v1/transactions", "GET", "2xx")).toBe(1);
    expect(requests("/v1/transactions", "GET", "4xx")).toBe(6);
    expect(requests("/v1/export/transactions", "GET", "2xx")).toBe(1);
    expect(requests("/v1/export/transactions", "GET", "4xx")).toBe(1);
    expect(requests("/v1/reports/sales", "GET", "2xx")).toBe(1);
    expect(requests("unmatched", "GET", "4xx")).toBe(1);
    expect(requests("/test/slow-statement", "GET", "5xx")).toBe(1);
    // The scrape before is counted by the scrape after (its own request is counted once it is answered).
    expect(requests("/metrics", "GET", "2xx")).toBe(2);
    expect(requests("/metrics", "GET", "4xx")).toBe(1);
  });

  it(prose`
    when records were written, then each write route counts its records by result, a batch each of its receipts
  `, () => {
    const route = "/v1/customers/{pos_user}";
    expect(
      ["created", "updated", "unchanged", "error"].map((result) => delta("posbridge_writes_total", { route, result })),
    ).toEqual([1, 1, 1, 1]);
    const batchRoute = "/v1/transactions/batch";
    expect(
      ["created", "updated", "unchanged", "error"].map((result) =>
        delta("posbridge_writes_total", { route: batchRoute, result }),
      ),
    ).toEqual([2, 0, 0, 1]);
    // Reads are not writes.
    expect(
      after.samples.filter(
        (s) =>
          s.name === "posbridge_writes_total" &&
          s.labels.route!.startsWith("/v1/transactions") &&
          s.labels.route !== batchRoute,
      ),
    ).toEqual([]);
  });

  it(prose`
    when a page, an export and a report were served, then their rows, the export's bytes, the feed lag of each feed
    request and the rollup refresh are counted
  `, () => {
    expect(delta("posbridge_rows_served_total", { route: "/v1/transactions", kind: "page" })).toBe(2);
    expect(delta("posbridge_rows_served_total", { route: "/v1/export/transactions", kind: "export" })).toBe(2);
    expect(delta("posbridge_export_bytes_total", { route: "/v1/export/transactions" })).toBe(
      Buffer.byteLength(exportText),
    );
    // The page and the export each read the horizon once; nothing held a transaction id, so no lag.
    expect(delta("posbridge_feed_request_lag_seconds_count", { feed: "transactions" })).toBe(2);
    expect(delta("posbridge_feed_request_lag_seconds_bucket", { feed: "transactions", le: "0.5" })).toBe(2);
    expect(delta("posbridge_report_rollup_refresh_duration_seconds_count")).toBe(1);
    expect(delta("posbridge_report_rollup_store_days_rebuilt_total")).toBe(1);
  });

  it(prose`
    when writes marked a store-day and a report rebuilt it, then the backlog gauge showed it waiting and then gone
  `, () => {
    expect(backlogBefore).toBe(0);
    expect(afterWrites.value("posbridge_report_rollup_backlog_store_days")).toBe(1);
    expect(after.value("posbridge_report_rollup_backlog_store_days")).toBe(0);
  });

  it("when the database was used, then the pool's gauges, statement timeouts and transaction retries show it", () => {
    expect(after.value("posbridge_db_pool_max_connections")).toBe(10);
    expect(after.value("posbridge_db_pool_connections", { state: "total" })).toBeGreaterThanOrEqual(1);
    expect(after.value("posbridge_db_pool_connections", { state: "idle" })).toBeLessThanOrEqual(
      after.value("posbridge_db_pool_connections", { state: "total" }),
    );
    expect(after.value("posbridge_db_pool_waiting_clients")).toBe(0);
    expect(delta("posbridge_db_statement_timeouts_total")).toBe(1);
    expect(delta("posbridge_db_transaction_retries_total", { reason: "serialization_failure" })).toBe(1);
    expect(delta("posbridge_db_transaction_retries_total", { reason: "lost_race" })).toBe(1);
    expect(after.value("posbridge_feed_lag_seconds")).toBeLessThan(1);
  });

  it(prose`
    when keys were refused or budgets spent, then authentication failures count by reason and rejections by policy
  `, () => {
    const failures = Object.fromEntries(
      ["missing", "malformed", "unknown", "revoked", "expired", "forbidden"].map((reason) => [
        reason,
        delta("posbridge_auth_failures_total", { reason }),
      ]),
    );
    expect(failures).toEqual({ missing: 1, malformed: 1, unknown: 1, revoked: 1, expired: 1, forbidden: 2 });
    expect(delta("posbridge_rate_limit_rejections_total", { policy: "heavy" })).toBe(1);
    expect(delta("posbridge_rate_limit_rejections_total", { policy: "default" })).toBe(0);
  });

  it("when scraped, then no label carries an id, a key, a query string, a phone or an email", () => {
    const values = after.samples.flatMap((s) => Object.values(s.labels));
    expect(values.length).toBeGreaterThan(100);
    for (const value of values) {
      expect(value).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/i); // a UUID
      expect(value).not.toMatch(/@|%40|\?|pb_(live|test)_/);
      expect(value).not.toMatch(/\d{7}/);
    }
    for (const secret of [
      key,
      metricsKey,
      unknown,
      merchant.id,
      store.id,
      created.body.id,
      POS_USER,
      EMAIL,
      "R-1",
      "not-a-key",
    ]) {
      expect(after.text).not.toContain(secret);
    }
  });

  it("when called with a key without metrics:read, then 403; without a key, then 401", async () => {
    expect((await http.get("/metrics").set("x-apikey", key)).body).toMatchObject({
      code: "forbidden",
      required_scope: "metrics:read",
    });
    expect((await http.get("/metrics")).status).toBe(401);
  });
});
