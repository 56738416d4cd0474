// Whether the standard OpenTelemetry variables ask for traces. Read before anything else is loaded
// (see register.ts), so it must stay free of imports: with tracing off the SDK is never loaded.
//
// On when a traces exporter or an OTLP endpoint is named: OTEL_TRACES_EXPORTER (otlp, console,
// zipkin), OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. OTEL_SDK_DISABLED=true
// and OTEL_TRACES_EXPORTER=none win over both. Every other OTEL_* variable (OTEL_SERVICE_NAME,
// OTEL_TRACES_SAMPLER, OTEL_EXPORTER_OTLP_HEADERS, …) is read by the SDK itself.
export function tracingConfigured(env: NodeJS.ProcessEnv): boolean {
  const set = (name: string) => (env[name] ?? "").trim();
  if (set("OTEL_SDK_DISABLED").toLowerCase() === "true") return false;
  const exporters = set("OTEL_TRACES_EXPORTER")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.includes("none")) return false;
  return (
    exporters.length > 0 ||
    set("OTEL_EXPORTER_OTLP_ENDPOINT") !== "" ||
    set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") !== ""
  );
}
