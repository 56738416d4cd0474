// OpenTelemetry traces, with the exporter in this process: tracing starts first (as register.ts
// starts it before the service), then the app is imported and served over real HTTP, and every
// finished span lands in an InMemorySpanExporter.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { tracingConfigured } from "../../src/telemetry/configured.js";
import { stopTracing } from "../../src/telemetry/lifecycle.js";
import { startTracing } from "../../src/telemetry/tracing.js";
import { freePort } from "../helpers/ports.js";

const exporter = new InMemorySpanExporter();
startTracing({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// Only now: express and pg must be imported after the instrumentations are in place. Under plain
// Node (`npm start`) an ESM import of these CommonJS packages passes through the require hook the
// instrumentations patch with; vitest's module runner loads them past it, so they are required
// here first (the app's imports then get these same, patched, modules from Node's cache).
const require = createRequire(import.meta.url);
require("express");
require("pg");
const { createTestApp } = await import("../helpers/app.js");
const { makeCustomer } = await import("../helpers/factories.js");
const { makeTenant, receiptBody } = await import("../writes/helpers.js");

const { app, db } = await createTestApp();
const server = app.listen(0, "127.0.0.1");
await new Promise((resolve) => server.once("listening", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await stopTracing();
});

const isServer = (s: ReadableSpan) => s.kind === SpanKind.SERVER;
/** pg's spans: a statement (pg.query:…) or waiting for a pooled connection (pg-pool.connect). */
const isPg = (s: ReadableSpan) => s.instrumentationScope.name === "@opentelemetry/instrumentation-pg";
const isQuery = (s: ReadableSpan) => isPg(s) && s.name.startsWith("pg.query");
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** The spans between a span and the root of its trace, nearest first. */
function ancestors(span: ReadableSpan, all: ReadableSpan[]): ReadableSpan[] {
  const byId = new Map(all.map((s) => [s.spanContext().spanId, s]));
  const chain: ReadableSpan[] = [];
  for (let id = parentOf(span); id; id = parentOf(byId.get(id)!)) {
    const parent = byId.get(id);
    if (!parent) throw new Error(`span ${span.name} has a parent that was never exported`);
    chain.push(parent);
  }
  return chain;
}

/** Sends a request and waits until its server span has ended (the span ends after the answer is sent). */
async function traced(path: string, init: RequestInit = {}) {
  const before = new Set(
    exporter
      .getFinishedSpans()
      .filter(isServer)
      .map((s) => s.spanContext().spanId),
  );
  const res = await fetch(`${base}${path}`, init);
  await res.arrayBuffer();
  for (let i = 0; i < 100 && exporter.getFinishedSpans().filter(isServer).length === before.size; i++)
    await new Promise((r) => setTimeout(r, 10));
  const spans = exporter.getFinishedSpans();
  const servers = spans.filter((s) => isServer(s) && !before.has(s.spanContext().spanId));
  return { res, servers, spans };
}

describe("OpenTelemetry traces", () => {
  it(prose`
    when requests are served, then each has exactly one server span and its SQL statements' spans are all under it
  `, async () => {
    const t = await makeTenant(db);
    const headers = { "x-apikey": t.key, "content-type": "application/json" };
    const requests: Array<[string, RequestInit, number, string]> = [
      ["/v1/whoami", { headers }, 200, "/v1/whoami"],
      [
        "/v1/transactions/T-OTEL-1",
        { method: "PUT", headers, body: JSON.stringify(receiptBody(t)) },
        201,
        "/v1/transactions/:pos_id",
      ],
      ["/v1/transactions?limit=5", { headers }, 200, "/v1/transactions"],
    ];
    for (const [path, init, status, route] of requests) {
      exporter.reset();
      const { res, servers, spans } = await traced(path, init);
      expect(res.status).toBe(status);
      expect(servers, path).toHaveLength(1);
      const server = servers[0]!;
      expect(server.attributes["http.response.status_code"]).toBe(status);
      expect(server.attributes["url.path"]).toBe(path.split("?")[0]);
      // Named by the route that answered, never by the path's values.
      expect(server.name).toBe(`${init.method ?? "GET"} ${route}`);
      expect(server.attributes["http.route"]).toBe(route);
      expect(spans.filter(isQuery).length, path).toBeGreaterThan(0);
      for (const span of spans.filter(isPg)) {
        expect(span.spanContext().traceId).toBe(server.spanContext().traceId);
        expect(ancestors(span, spans)).toContain(server);
      }
      for (const query of spans.filter(isQuery))
        expect(query.attributes["db.statement"] ?? query.attributes["db.query.text"]).toMatch(
          /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|BEGIN|COMMIT|SET)/i,
        );
      // Express's spans sit between them: the route that answered is named.
      expect(
        spans.some(
          (s) =>
            s.instrumentationScope.name === "@opentelemetry/instrumentation-express" &&
            ancestors(s, spans).includes(server),
        ),
      ).toBe(true);
    }
  });

  it(prose`
    when a customer is looked up by phone or email, then no span carries the phone, the email or the key
  `, async () => {
    const t = await makeTenant(db);
    const customer = await makeCustomer(db, t.merchant.id, { phone: "+13035550199", email: "otel.secret@example.com" });
    exporter.reset();
    const byPhone = await traced(`/v1/customers?phone=${encodeURIComponent("+13035550199")}`, {
      headers: { "x-apikey": t.key },
    });
    const byEmail = await traced(`/v1/customers?email=${encodeURIComponent("otel.secret@example.com")}`, {
      headers: { "x-apikey": t.key },
    });
    const byPath = await traced(`/v1/customers/${encodeURIComponent("otel.secret@example.com")}`, {
      headers: { "x-apikey": t.key },
    });
    expect(byPhone.res.status).toBe(200);
    expect(byEmail.res.status).toBe(200);
    expect(byPath.res.status).toBe(400); // not an id: refused, but traced
    expect(
      (
        (await (await fetch(`${base}/v1/customers/${customer.id}`, { headers: { "x-apikey": t.key } })).json()) as {
          phone: string;
        }
      ).phone,
    ).toBe("+13035550199");
    const spans = exporter.getFinishedSpans();
    expect(spans.filter(isServer).length).toBeGreaterThanOrEqual(3);
    const everything = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    for (const secret of ["3035550199", "otel.secret", "otel%2Esecret", t.key])
      expect(everything).not.toContain(secret);
    expect(byPhone.servers[0]!.attributes["url.query"]).toBe("phone=REDACTED");
  });
});

describe("when tracing is on", () => {
  it(prose`
    when no OTEL_* variable names an exporter or an endpoint, then tracing stays off; naming one turns it on;
    OTEL_SDK_DISABLED or none turns it off
  `, () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: "pos-bridge", OTEL_TRACES_EXPORTER: "" })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(
      tracingConfigured({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }),
    ).toBe(false);
    expect(tracingConfigured({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" })).toBe(false);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

describe("traces from the service's own process", () => {
  it(prose`
    when the service starts with the --import of register.ts and OTEL_* naming an OTLP endpoint, then the collector
    receives a server span per request with the SQL spans under it
  `, async () => {
    // A collector: OTLP over HTTP with JSON bodies (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json).
    const received: Array<{ service: unknown; span: OtlpSpan }> = [];
    const collector = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        for (const rs of JSON.parse(body).resourceSpans ?? []) {
          const service = rs.resource.attributes.find((a: { key: string }) => a.key === "service.name")?.value
            .stringValue;
          for (const ss of rs.scopeSpans) for (const span of ss.spans) received.push({ service, span });
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    }).listen(0, "127.0.0.1");
    await once(collector, "listening");
    const t = await makeTenant(db);
    const port = await freePort();
    // What `npm run dev` runs (the TypeScript through tsx), with the same --import as `npm start`.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--import", "./src/telemetry/register.ts", "src/server.ts"],
      {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          HOST: "127.0.0.1",
          PORT: String(port),
          LOG_LEVEL: "warn",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
          OTEL_BSP_SCHEDULE_DELAY: "100",
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    try {
      const local = `http://127.0.0.1:${port}`;
      for (let ready = false; !ready; await new Promise((r) => setTimeout(r, 200))) {
        if (child.exitCode !== null) throw new Error(`the service exited: ${stderr}`);
        ready = await fetch(`${local}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      }
      for (const path of ["/v1/whoami", "/v1/transactions?limit=5"])
        expect((await fetch(`${local}${path}`, { headers: { "x-apikey": t.key } })).status).toBe(200);
      const servedFor = (path: string) =>
        received.filter(
          ({ span }) =>
            span.kind === 2 && span.attributes.some((a) => a.key === "url.path" && a.value.stringValue === path),
        );
      for (let i = 0; i < 100 && !(servedFor("/v1/whoami").length && servedFor("/v1/transactions").length); i++)
        await new Promise((r) => setTimeout(r, 100));

      for (const path of ["/v1/whoami", "/v1/transactions"]) {
        const servers = servedFor(path);
        expect(servers, path).toHaveLength(1);
        expect(servers[0]!.service).toBe("pos-bridge");
        const server = servers[0]!.span;
        const trace = received.map((r) => r.span).filter((s) => s.traceId === server.traceId);
        const byId = new Map(trace.map((s) => [s.spanId, s]));
        const underServer = (s: OtlpSpan): boolean => {
          for (let p = s.parentSpanId; p; p = byId.get(p)?.parentSpanId) if (p === server.spanId) return true;
          return false;
        };
        const queries = trace.filter((s) => s.name.startsWith("pg.query"));
        expect(queries.length, path).toBeGreaterThan(0);
        for (const query of queries) expect(underServer(query), query.name).toBe(true);
      }
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
      collector.close();
    }
  }, 60_000);
});
