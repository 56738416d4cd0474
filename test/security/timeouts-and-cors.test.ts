import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseEnv } from "../../src/config/env.js";
import { createDb } from "../../src/db/client.js";
import { prose } from "../../src/lib/prose.js";
import { defineRoute, type RouteDef } from "../../src/lib/route.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeMerchant } from "../helpers/factories.js";
import { testGet } from "../helpers/routes.js";
import { appOver } from "./apps.js";

const db = await createTestDb();

const testResponses = {
  200: { description: "ok", schema: z.object({ late: z.boolean() }), contentTypes: ["application/x-ndjson"] },
} as const;
const testRoute = (path: string, handler: RouteDef<Record<string, never>, any, any, typeof testResponses>["handler"]) =>
  defineRoute({
    ...testGet(path, testResponses),
    handler,
  });

let lateHandlerFinished = false;
const slowRoutes = [
  testRoute("/test/slow", async () => {
    await sleep(800);
    lateHandlerFinished = true;
    return { late: true };
  }),
  testRoute("/test/slow-then-throws", async () => {
    await sleep(800);
    throw new Error("failed late for jane@example.com");
  }),
  testRoute("/test/slow-query", async ({ db }) => {
    await db.pool.query("SELECT pg_sleep(0.8)");
    return { late: true };
  }),
  // An export that starts at once and keeps writing for longer than the request timeout.
  testRoute("/test/stream", async ({ respond }) =>
    respond.stream(200, async (res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      for (let i = 0; i < 8; i++) {
        res.write(`{"line":${i}}\n`);
        await sleep(100);
      }
      res.end();
    }),
  ),
  // An export that starts, then stalls.
  testRoute("/test/stalled-stream", async ({ respond }) =>
    respond.stream(200, async (res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"line":0}\n');
      await sleep(2000);
      if (!res.destroyed) res.end('{"line":1}\n');
    }),
  ),
];

describe("request timeout", () => {
  const app = appOver(db, {
    env: { REQUEST_TIMEOUT_MS: "300", STREAM_IDLE_TIMEOUT_MS: "300" },
    extraRoutes: slowRoutes,
  });

  it(prose`
    when a handler takes longer than REQUEST_TIMEOUT_MS, then 503 problem details at the timeout, and the handler's late
    answer is dropped
  `, async () => {
    lateHandlerFinished = false;
    const started = Date.now();
    const res = await request(app).get("/test/slow");
    const took = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 503, code: "unavailable" });
    expect(res.body.detail).toMatch(/0\.3 s/);
    expect(took).toBeLessThan(700);

    await sleep(700);
    expect(lateHandlerFinished).toBe(true);
    // The service is still up and answering.
    expect((await request(app).get("/healthz")).status).toBe(200);
  });

  it("when a timed-out handler then fails, then nothing crashes and the next request is served", async () => {
    expect((await request(app).get("/test/slow-then-throws")).status).toBe(503);
    await sleep(800);
    expect((await request(app).get("/healthz")).status).toBe(200);
  });

  it("when a database query holds the request, then 503 at the timeout too", async () => {
    const res = await request(app).get("/test/slow-query");
    expect(res.status).toBe(503);
  });

  it("when a stream has started, then it may run past the request timeout as long as it keeps writing", async () => {
    const res = await request(app)
      .get("/test/stream")
      .buffer(true)
      .parse((r, done) => {
        let text = "";
        r.on("data", (chunk: Buffer) => (text += chunk.toString()));
        r.on("end", () => done(null, text));
      });
    expect(res.status).toBe(200);
    expect((res.body as string).trim().split("\n")).toHaveLength(8);
  });

  it("when a started stream sends nothing for STREAM_IDLE_TIMEOUT_MS, then its connection is cut", async () => {
    const outcome = await request(app)
      .get("/test/stalled-stream")
      .buffer(true)
      .parse((r, done) => {
        // Only a complete answer reaches done(); a cut one fails the request (superagent: "aborted").
        let text = "";
        r.on("data", (chunk: Buffer) => (text += chunk.toString()));
        r.on("end", () => done(null, text));
      })
      .then(
        (res) => ({ complete: true, body: res.body as string }),
        (err: Error) => ({ complete: false, error: err.message }),
      );
    expect(outcome).toMatchObject({ complete: false, error: expect.stringMatching(/aborted|hang up|ECONNRESET/i) });
    await sleep(1500);
    expect((await request(app).get("/healthz")).status).toBe(200);
  });

  it("when the pool runs a query longer than DB_STATEMENT_TIMEOUT_MS, then PostgreSQL cancels it", async () => {
    const capped = createDb({ url: db.url, poolMax: 1, statementTimeoutMs: 200 });
    try {
      await expect(capped.pool.query("SELECT pg_sleep(2)")).rejects.toMatchObject({ code: "57014" });
    } finally {
      await capped.close();
    }
  });
});

describe("body timeout", () => {
  // The request timeout is far longer than the body timeout, so that the 408 is the body timeout's.
  const app = appOver(db, { env: { BODY_TIMEOUT_MS: "300", REQUEST_TIMEOUT_MS: "4000" } });

  /**
   * Sends `head` on a raw socket and never anything more; resolves with all the server sent until it closed (or 6 s).
   */
  async function sendHeadOnly(head: string) {
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, "127.0.0.1");
    const started = Date.now();
    socket.write(head);
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    const closed = await Promise.race([once(socket, "close").then(() => true), sleep(6000).then(() => false)]);
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    return { received, closed, tookMs: Date.now() - started };
  }

  it(prose`
    when a write announces a Content-Length and its body never comes, then 408 problem details after BODY_TIMEOUT_MS,
    and the connection is closed
  `, async () => {
    const head = [
      "PUT /v1/inventory HTTP/1.1",
      "Host: localhost",
      "Content-Type: application/json",
      "Content-Length: 100",
      "",
      "",
    ].join("\r\n");
    const { received, closed, tookMs } = await sendHeadOnly(head);
    expect(received.split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
    expect(received).toMatch(/^content-type: application\/problem\+json/im);
    expect(received).toMatch(/^connection: close/im);
    expect(JSON.parse(received.slice(received.indexOf("\r\n\r\n") + 4))).toMatchObject({
      status: 408,
      code: "request_timeout",
    });
    expect(closed).toBe(true);
    expect(tookMs).toBeGreaterThanOrEqual(250);
    expect(tookMs).toBeLessThan(3000);
  });

  it("when a chunked body stops midway, then 408 as well", async () => {
    const head = [
      "POST /v1/transactions/batch HTTP/1.1",
      "Host: localhost",
      "Content-Type: application/json",
      "Transfer-Encoding: chunked",
      "",
      "5",
      '{"rec',
      "",
    ].join("\r\n");
    const { received, closed } = await sendHeadOnly(head);
    expect(received.split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
    expect(closed).toBe(true);
  });

  it("when the body arrives in time, then the request is served as usual", async () => {
    const res = await request(app).put("/v1/customers/body-in-time").set("Content-Type", "application/json").send("{}");
    // No key: a 401 from the route, after the body was read; not a 408.
    expect(res.status).toBe(401);
  });
});

describe("CORS", () => {
  const origin = "https://reports.example.com";

  it(prose`
    when CORS_ORIGINS is not set, then no answer carries an Access-Control-* header, preflight included
  `, async () => {
    const app = appOver(db);
    const { key } = await makeKey(db, (await makeMerchant(db)).id);
    const simple = await request(app).get("/v1/transactions").set("x-apikey", key).set("origin", origin);
    expect(simple.status).toBe(200);
    const preflight = await request(app)
      .options("/v1/transactions")
      .set("origin", origin)
      .set("access-control-request-method", "GET")
      .set("access-control-request-headers", "x-apikey");
    for (const res of [simple, preflight]) {
      expect(Object.keys(res.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    }
  });

  it(prose`
    when CORS_ORIGINS names an origin, then that origin is allowed (and may read the RateLimit headers), and others are
    not
  `, async () => {
    const app = appOver(db, { env: { CORS_ORIGINS: `${origin}, https://admin.example.com:8443` } });
    const { key } = await makeKey(db, (await makeMerchant(db)).id);

    const preflight = await request(app)
      .options("/v1/transactions")
      .set("origin", origin)
      .set("access-control-request-method", "GET")
      .set("access-control-request-headers", "x-apikey");
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(origin);
    expect(preflight.headers["access-control-allow-headers"]).toMatch(/x-apikey/i);
    expect(preflight.headers["access-control-allow-credentials"]).toBeUndefined();

    const allowed = await request(app).get("/v1/transactions").set("x-apikey", key).set("origin", origin);
    expect(allowed.headers["access-control-allow-origin"]).toBe(origin);
    expect(allowed.headers["access-control-expose-headers"]).toMatch(/RateLimit,RateLimit-Policy,Retry-After/);

    const other = await request(app)
      .get("/v1/transactions")
      .set("x-apikey", key)
      .set("origin", "https://evil.example.net");
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const port = await request(app).get("/healthz").set("origin", "https://admin.example.com:8443");
    expect(port.headers["access-control-allow-origin"]).toBe("https://admin.example.com:8443");
  });

  it("when CORS_ORIGINS holds a wildcard or a URL with a path, then the service refuses to start, naming it", () => {
    for (const value of ["*", "https://reports.example.com/app", "reports.example.com"]) {
      expect(() => parseEnv({ NODE_ENV: "test", CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    }
  });
});
