// What a handler answers, as a small closed set the router writes (lib/route.ts), each checked by
// the compiler against the route's declared responses:
// - the body of the 200 answer, as a value of the output type of `responses[200].schema`;
// - `respond.json(status, body, headers)`: another declared status with a JSON schema (201), or
//   the 200 with headers (Write-Result);
// - `respond.jsonText(status, text)`: JSON that PostgreSQL rendered, sent as is (the transaction
//   pages: Node splices the records' text, never parses it); its shape is the byte-for-byte suites'
//   and test/openapi/responses.test.ts's to check, since the compiler cannot see into text;
// - `respond.text(status, contentType, body)` and `respond.stream(status, write)`: a non-JSON body
//   (CSV, NDJSON exports, HTML, metrics) of a status that declares `contentTypes`;
// - `respond.empty(status)`: a status declared without a body.
// A handler returning anything else does not compile. (`res` stays in the context for headers and
// metrics marks; answering through it is what this replaces.)
import type { Response } from "express";
import type { z } from "zod";
import { countRowsServed } from "../metrics/http.js";
import type { ResponseSpec } from "./route.js";

declare const bodyType: unique symbol;
declare const notJson: unique symbol;
declare const jsonText: unique symbol;
declare const noBody: unique symbol;
/** The body type of an answer that carries JSON text, a non-JSON body, or none (compile time only). */
export type JsonText = { readonly [jsonText]: true };
export type NotJson = { readonly [notJson]: true };
export type NoBody = { readonly [noBody]: true };

type Headers = Record<string, string>;

type Body =
  | { kind: "json"; value: unknown }
  | { kind: "json-text"; text: string | Buffer }
  | { kind: "text"; contentType: string; text: string | Buffer; filename?: string }
  | { kind: "stream"; write: (res: Response) => Promise<void> }
  | { kind: "empty" };

/** An answer of status `S` whose body is of type `B` (a JSON value, or JsonText, NotJson, NoBody). */
export class Answer<S extends number = number, B = unknown> {
  declare readonly [bodyType]?: B;
  constructor(
    readonly status: S,
    readonly body: Body,
    readonly headers: Headers = {},
  ) {}
}

type Spec = ResponseSpec;
type SchemaOf<T> = T extends { schema: infer Z extends z.ZodType } ? Z : never;
/** The JSON body a declared response carries (never when it declares no schema). */
export type JsonBodyOf<T> = [SchemaOf<T>] extends [never] ? never : z.output<SchemaOf<T>>;
type HasText<T> = T extends { contentTypes: readonly string[] } ? true : false;
type BodyFor<T> =
  | ([SchemaOf<T>] extends [never] ? never : JsonBodyOf<T> | JsonText)
  | (HasText<T> extends true ? NotJson : never)
  | ([SchemaOf<T>] extends [never] ? (HasText<T> extends true ? never : NoBody) : never);

type Statuses<R> = keyof R & number;
type JsonStatus<R> = { [S in Statuses<R>]: [SchemaOf<R[S]>] extends [never] ? never : S }[Statuses<R>];
type TextStatus<R> = { [S in Statuses<R>]: HasText<R[S]> extends true ? S : never }[Statuses<R>];
type EmptyStatus<R> = { [S in Statuses<R>]: NoBody extends BodyFor<R[S]> ? S : never }[Statuses<R>];
/** A declared content type, with or without parameters (`text/plain; version=0.0.4`). */
type ContentTypeOf<T> = T extends { contentTypes: readonly (infer C extends string)[] } ? C | `${C}; ${string}` : never;

/** What a handler of a route declaring responses `R` may return. */
export type HandlerResult<R> =
  | (200 extends keyof R ? JsonBodyOf<R[200]> : never)
  | { [S in Statuses<R>]: Answer<S, BodyFor<R[S]>> }[Statuses<R>];

/** The answers of a route declaring responses `R` (RouteContext.respond). */
export interface Respond<R = Record<number, Spec>> {
  json<S extends JsonStatus<R>>(status: S, body: JsonBodyOf<R[S]>, headers?: Headers): Answer<S, JsonBodyOf<R[S]>>;
  jsonText<S extends JsonStatus<R>>(status: S, text: string | Buffer, headers?: Headers): Answer<S, JsonText>;
  text<S extends TextStatus<R>>(
    status: S,
    contentType: ContentTypeOf<R[S]>,
    text: string | Buffer,
    options?: { headers?: Headers; filename?: string },
  ): Answer<S, NotJson>;
  /** A body the route writes itself (exports, files): `write` gets `res` once the handler has returned. */
  stream<S extends TextStatus<R>>(status: S, write: (res: Response) => Promise<void>): Answer<S, NotJson>;
  empty<S extends EmptyStatus<R>>(status: S, headers?: Headers): Answer<S, NoBody>;
}

/** The one implementation; every route's `ctx.respond` is this object, typed by the route as Respond<R>. */
// biome-ignore lint/suspicious/noExplicitAny: one object serves every route's responses
export const respond: Respond<any> = {
  json: (status, value, headers) => new Answer(status, { kind: "json", value }, headers),
  jsonText: (status, text, headers) => new Answer(status, { kind: "json-text", text }, headers),
  text: (status, contentType, text, options) =>
    new Answer(status, { kind: "text", contentType, text, filename: options?.filename }, options?.headers),
  stream: (status, write) => new Answer(status, { kind: "stream", write }),
  empty: (status, headers) => new Answer(status, { kind: "empty" }, headers),
};

/** Writes a handler's answer (the router's only way to answer a request that reached its handler). */
export async function deliver(res: Response, result: unknown): Promise<void> {
  // Answered already: the request timed out (lib/timeout.ts) or the client left; the late answer is dropped.
  if (res.headersSent || res.writableEnded) return;
  // Typed handlers cannot return nothing; an untyped one (a test's) that does is a fault, not a 200.
  if (result === undefined) throw new Error("A handler returned nothing: return its answer (lib/answer.ts)");
  const answer = result instanceof Answer ? result : new Answer(200, { kind: "json", value: result });
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.status(answer.status);
  const { body } = answer;
  switch (body.kind) {
    case "json": {
      // A list page or a report: its records count as rows served.
      const rows = (body.value as { data?: unknown } | null)?.data;
      if (Array.isArray(rows)) countRowsServed(res, "page", rows.length);
      res.json(body.value);
      return;
    }
    case "json-text":
      res.setHeader("Content-Type", "application/json; charset=utf-8");
      res.setHeader("Content-Length", Buffer.byteLength(body.text));
      res.end(body.text);
      return;
    case "text":
      if (body.filename) res.attachment(body.filename);
      res.type(body.contentType).send(body.text);
      return;
    case "stream":
      await body.write(res);
      return;
    case "empty":
      res.end();
  }
}

/** The JSON value of a JSON answer (what lib/idempotency.ts stores for replays). */
export function jsonValueOf(answer: Answer): unknown {
  if (answer.body.kind !== "json") throw new Error(`A ${answer.body.kind} answer has no JSON value to keep`);
  return answer.body.value;
}
