// Examples for every parameter, request body and response of the document. A route's own examples
// (RouteDef.examples, ResponseSpec.example/textExamples) and the schemas' own (`.meta({ example })`,
// defaults, enums) come first; what is still missing is sampled from the JSON Schema by
// openapi-sampler (Redocly's), so that no operation is shown without one. The tests check every
// example against its schema, so a sampled one that does not fit (a regex-shaped string, say)
// shows up as a failing test telling which field needs a `.meta({ example })`.
import { sample } from "openapi-sampler";
import type { RouteDef } from "../lib/route.js";
import type { DocumentedPath } from "./paths.js";

// The generated OpenAPI document is walked and filled as an open JSON tree, read by key at any depth.
// biome-ignore lint/suspicious/noExplicitAny: an open JSON tree (above)
type Json = Record<string, any>;

/** Follows a local `#/components/...` reference. */
export function resolveRef(document: Json, value: Json): Json {
  let current: Json | undefined = value;
  for (let depth = 0; current && typeof current.$ref === "string" && depth < 10; depth++) {
    current = current.$ref
      .replace(/^#\//, "")
      .split("/")
      .map((part: string) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
      .reduce((node: Json | undefined, key: string) => node?.[key], document);
  }
  if (!current) throw new Error(`Unresolvable reference ${JSON.stringify(value.$ref)}`);
  return current;
}

export function exampleOfSchema(document: Json, schema: Json | undefined): unknown {
  if (!schema) return undefined;
  const resolved = resolveRef(document, schema);
  for (const value of [
    resolved.example,
    resolved.examples?.[0],
    resolved.default,
    resolved.const,
    resolved.enum?.[0],
  ]) {
    if (value !== undefined) return value;
  }
  return sample(resolved as never, { quiet: true }, document);
}

/**
 * Strings shaped by a regex (money, quantities, phones) get no usable sample from openapi-sampler
 * (it would write "string"): give each such field the first of these that its pattern accepts.
 */
const patternCandidates = [
  "12.50",
  "2.000",
  "12.5000",
  "41.23",
  "-12.50",
  "-2.000",
  "12",
  "12.5",
  "+13035550142",
  "2026-10-01T18:30:00Z",
  "2026-10-01",
  "0193a7b2-5c3d-7e4f-8a1b-2c3d4e5f6a7b",
  "avery@example.com",
  "SKU-1001",
  "abc",
];

function addPatternExamples(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) addPatternExamples(item);
    return;
  }
  if (!node || typeof node !== "object") return;
  const schema = node as Json;
  const isString = schema.type === "string" || (Array.isArray(schema.type) && schema.type.includes("string"));
  if (isString && typeof schema.pattern === "string" && schema.example === undefined && schema.examples === undefined) {
    let pattern: RegExp | null = null;
    try {
      pattern = new RegExp(schema.pattern, "u");
    } catch {
      pattern = null;
    }
    const fits = (text: string) =>
      pattern!.test(text) && text.length >= (schema.minLength ?? 0) && text.length <= (schema.maxLength ?? Infinity);
    const found = pattern ? patternCandidates.find(fits) : undefined;
    if (found !== undefined) schema.example = found;
  }
  for (const value of Object.values(schema)) addPatternExamples(value);
}

const textExampleFallback: Record<string, string> = {
  "text/csv": 'column_a,column_b\r\nvalue,"a value, with a comma"\r\n',
  "text/html": "<!doctype html><html>…</html>",
  "application/x-ndjson": '{"id":"…"}\n{"id":"…"}\n',
};

export function fillExamples(document: Json, routes: RouteDef[], documented: Map<RouteDef, DocumentedPath>): void {
  addPatternExamples(document.components?.schemas);
  addPatternExamples(document.paths);
  for (const route of routes) {
    const where = documented.get(route);
    const operation = where && document.paths?.[where.path]?.[route.method];
    if (!operation) continue;
    const nameInRoute = Object.fromEntries(Object.entries(where.rename).map(([ours, theirs]) => [theirs, ours]));

    for (const parameter of (operation.parameters ?? []) as Json[]) {
      const target = resolveRef(document, parameter);
      if (target.example !== undefined) continue;
      const given =
        target.in === "path"
          ? route.examples?.params?.[nameInRoute[target.name] ?? target.name]
          : target.in === "query"
            ? route.examples?.query?.[target.name]
            : undefined;
      target.example = given ?? exampleOfSchema(document, target.schema);
    }

    const body = operation.requestBody?.content?.["application/json"];
    if (body && body.example === undefined)
      body.example = route.examples?.body ?? exampleOfSchema(document, body.schema);

    for (const [status, response] of Object.entries(operation.responses ?? {}) as [string, Json][]) {
      const spec = route.responses[Number(status)];
      for (const [type, media] of Object.entries(response.content ?? {}) as [string, Json][]) {
        if (media.example !== undefined) continue;
        if (type === "application/json") media.example = spec?.example ?? exampleOfSchema(document, media.schema);
        else media.example = spec?.textExamples?.[type] ?? textExampleFallback[type] ?? "…";
      }
    }
  }
}
