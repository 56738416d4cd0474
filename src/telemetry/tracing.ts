// OpenTelemetry traces: the official Node SDK with the HTTP, Express and pg instrumentations. One
// server span per request, Express's middleware and handler spans under it, and a span per SQL
// statement (Prisma's and the raw reads' alike: both go through the same pg pool) under those.
// Exporter, endpoint, sampler and resource come from the standard OTEL_* variables.
//
// No personal data in spans, as in the logs (src/lib/logger.ts): the path is masked the same way
// (a segment that looks like a phone or an email), the phone and email lookups' values are
// redacted from the query string, no header is recorded, and SQL is recorded with its $n
// placeholders, never its values.
import { register } from "node:module";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { NodeSDK } from "@opentelemetry/sdk-node";
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { maskPath } from "../lib/logger.js";
import { onTracingStop } from "./lifecycle.js";

/** Query parameters whose values are personal data (the customers list's lookups). */
const PERSONAL_QUERY_PARAMS = ["phone", "email"];

export interface TracingOptions {
  /** Where spans go; default: the exporters named by OTEL_TRACES_EXPORTER (otlp unless said). */
  spanProcessors?: SpanProcessor[];
}

/** Starts tracing for this process; call once, before express and pg are imported. */
export function startTracing(options: TracingOptions = {}): NodeSDK {
  // The service is ESM: CommonJS packages it imports (express, pg) pass through the require hook the
  // instrumentations set; this loader hook covers modules Node loads as ES modules.
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const sdk = new NodeSDK({
    // pos-bridge unless the standard variables name the service themselves.
    serviceName:
      process.env.OTEL_SERVICE_NAME || /(^|,)\s*service\.name=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES ?? "")
        ? undefined
        : "pos-bridge",
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    // Traces only: the SDK's OTLP metrics and logs stay off (pino writes the logs to stdout).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        redactedQueryParamsServer: PERSONAL_QUERY_PARAMS,
        startIncomingSpanHook: (request) => ({ "url.path": maskPath((request.url ?? "/").split("?")[0]!) }),
        // The service makes no outgoing HTTP calls of its own; an exporter's own calls are not traced.
        disableOutgoingRequestInstrumentation: true,
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  onTracingStop(() => sdk.shutdown());
  return sdk;
}
