// Loaded before the service with `node --import ./dist/telemetry/register.js dist/server.js` (what
// `npm start` runs): instrumentation patches http, express and pg as they are first imported, so
// it must be in place before server.js imports them. With no OTEL_* variable asking for traces it
// does nothing and loads nothing else: the service's memory and start-up stay as they were.
import { tracingConfigured } from "./configured.js";

if (tracingConfigured(process.env)) {
  const { startTracing } = await import("./tracing.js");
  startTracing();
}
