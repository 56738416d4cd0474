// How an export ends other than well: the client going away (the export stops, its statement is
// cancelled, its connections come back to the pool) and the server failing mid-way (the body is
// cut, without the end line that marks a complete export).
import http from "node:http";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { reviewedStatement } from "../../src/db/sql.js";
import { BatchQueries, ExportStopped } from "../../src/export/batch-queries.js";
import { streamExport } from "../../src/export/stream.js";
import { transactionExportPlan, transactionExportQuery } from "../../src/export/transactions.js";
import { prose } from "../../src/lib/prose.js";
import { defineRoute } from "../../src/lib/route.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { appOver } from "../security/apps.js";
import { eventually, runningStatements } from "./activity.js";
import { seedReceipts } from "./bulk.js";
import { listen, parseNdjson, readThenAbort } from "./http.js";

const db = await createTestDb();

// The export of transactions, but its third batch's statement fails (a division by zero in PostgreSQL).
const failingExport = defineRoute({
  method: "get",
  path: "/v1/test/failing-export",
  operationId: "testFailingExport",
  summary: "An export that fails after two batches",
  tags: ["Test"],
  scope: "transactions:read",
  query: transactionExportQuery,
  responses: { 200: { description: "NDJSON, then a failure", contentTypes: ["application/x-ndjson"] } },
  handler: ({ db, config, auth, query, req, respond }) => {
    const plan = transactionExportPlan(auth, query);
    let batches = 0;
    const failing = {
      ...plan,
      walk: {
        ...plan.walk,
        statement: (window: Parameters<typeof plan.walk.statement>[0]) =>
          ++batches === 3 ? reviewedStatement("no-tenant-table", sql<never>`SELECT 1/0`) : plan.walk.statement(window),
      },
    };
    const request = { format: "ndjson", cursor: undefined, maxRecords: undefined } as const;
    return respond.stream(200, (res) => streamExport({ db, config, req, res }, failing, request));
  },
});

const logged: { msg?: string; records?: number }[] = [];
const logTo = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split("\n").filter(Boolean)) logged.push(JSON.parse(line));
    done();
  },
});
const app = appOver(db, { env: { RATE_LIMIT_HEAVY_PER_MINUTE: "1000" }, extraRoutes: [failingExport], logTo });
const base = await listen(app);

async function store(receipts: number, options: { nameLength?: number } = {}) {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id);
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  await seedReceipts(db.pool, location, receipts, options);
  return key;
}

const running = () => runningStatements(db.pool);

/**
 * Stops the export while `pending` (its statement, a pg_sleep) runs: it fails as stopped, at once, nothing
 * sleeps on in PostgreSQL, and the cancelled statement's connection was closed, not returned to the pool.
 */
async function stopsAtOnce(queries: BatchQueries, pending: Promise<unknown>) {
  const before = db.pool.totalCount;
  const stopped = Date.now();
  queries.stop();
  await expect(pending).rejects.toBeInstanceOf(ExportStopped);
  expect(Date.now() - stopped).toBeLessThan(5_000);
  expect(db.pool.totalCount).toBe(before - 1);
  expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
  // PostgreSQL reports the error before it has finished aborting: its backend is "active" a moment longer.
  await eventually(async () => !(await running()).some((r) => r.query.includes("pg_sleep")), 2_000);
}

describe("an export that does not end well", () => {
  it(prose`
    when the client goes away mid-export, then the export stops: no statement of it keeps running and its connections
    are back in the pool
  `, async () => {
    // ~20 KB a receipt, ~80 MB in all: more than the sockets' buffers take, so the export cannot have ended when the
    // client goes away (4,000 receipts of 1 KB fitted in them: the export then sometimes served every record first).
    const key = await store(4_000, { nameLength: 10_000 });

    const lines = await readThenAbort(base, "/v1/export/transactions", key, {}, 100);
    expect(lines).toHaveLength(100);

    await eventually(() => logged.some((line) => line.msg === "export stopped: the client went away"));
    const stopped = logged.find((line) => line.msg === "export stopped: the client went away")!;
    expect(stopped.records).toBeLessThan(4_000);
    // Nothing checked out of the pool, nothing running in PostgreSQL.
    expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
    expect(await running()).toEqual([]);
  });

  it(prose`
    when a batch's statement is running as the export stops, then PostgreSQL cancels it at once and its connection is
    not handed out again
  `, async () => {
    const queries = new BatchQueries(db.pool);
    const slow = queries.run(reviewedStatement("no-tenant-table", sql`SELECT pg_sleep(30)`));
    await eventually(async () => (await running()).some((r) => r.query.includes("pg_sleep")));
    await stopsAtOnce(queries, slow);
    await expect(queries.run(reviewedStatement("no-tenant-table", sql`SELECT 1`))).rejects.toBeInstanceOf(
      ExportStopped,
    );
  });

  it(prose`
    when the export stops while a batch's COPY is streaming rows, then PostgreSQL cancels it at once and its connection
    is not handed out again
  `, async () => {
    const queries = new BatchQueries(db.pool);
    // Rows enough to leave PostgreSQL's output buffer at once, then a long sleep before the last one.
    const copying = reviewedStatement(
      "no-tenant-table",
      sql<{ x: string }>`SELECT repeat('x', 100) || n AS x FROM generate_series(1, 2001) n
        CROSS JOIN LATERAL (SELECT pg_sleep(CASE WHEN n = 2001 THEN 30 ELSE 0 END)) pause`,
    );
    let received = 0;
    const started = Date.now();
    const copy = queries.copy(copying, ["x"], (bytes) => {
      received += bytes.length;
    });
    copy.catch(() => {});
    while (received < 100 * 2000) {
      if (Date.now() - started > 10_000) throw new Error("the COPY sent nothing");
      await sleep(20);
    }
    expect((await running()).some((r) => r.query.includes("pg_sleep"))).toBe(true);

    await stopsAtOnce(queries, copy);
  });

  it(prose`
    when the server fails mid-export, then the body is cut: the records so far, a checkpoint to resume from, and no end
    line
  `, async () => {
    const key = await store(2_000);

    const body = await new Promise<{ text: string; error: Error | null }>((resolve) => {
      http.get(new URL("/v1/test/failing-export", base), { headers: { "x-apikey": key } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ text, error: null }));
        res.on("error", (error) => resolve({ text, error }));
        res.on("aborted", () => resolve({ text, error: new Error("aborted") }));
      });
    });

    expect(body.error).not.toBeNull();
    const got = parseNdjson(body.text.slice(0, body.text.lastIndexOf("\n") + 1));
    expect(got.end).toBeUndefined();
    expect(got.records).toHaveLength(1_000);
    expect(got.checkpoints.map((c) => c.records)).toEqual([500, 1_000]);
  });
});
