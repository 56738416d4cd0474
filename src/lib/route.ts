// A route contract, in one object: method, path, scope, zod schemas of the request and of the
// responses, and the handler. The router mounts it (validating once, at the edge) and the OpenAPI
// document is generated from the same objects, so the two cannot disagree.
import type { Request, Response, Router } from "express";
import type { z } from "zod";
import type { Config } from "../config/env.js";
import type { Db } from "../db/client.js";
import type { AuthContext, Scope } from "../keys/scopes.js";
import type { FeedLagMonitor } from "../metrics/feed-lag.js";
import { markRoute } from "../metrics/http.js";
import type { Admit } from "../ratelimit/admit.js";
import type { RateLimitClass } from "../ratelimit/limits.js";
import { deliver, type HandlerResult, type Respond, respond } from "./answer.js";
import { readRetriedOnce } from "./database-faults.js";
import { parseParts } from "./validation.js";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** What a route asks of the calling key (see RouteDef.scope). */
export type RouteScope = Scope | "any" | null;

export interface ResponseSpec {
  description: string;
  /** JSON body schema; absent for an empty body or a non-JSON body (see contentTypes). */
  schema?: z.ZodType;
  /** Non-JSON bodies this response may carry instead (text/csv, application/x-ndjson). */
  contentTypes?: readonly string[];
  headers?: Record<string, { description: string }>;
  /** Example JSON body for the API document; generated from `schema` when absent. */
  example?: unknown;
  /** Example bodies of the `contentTypes`, by type (e.g. a few lines of CSV), for the API document. */
  textExamples?: Record<string, string>;
}

export interface Deps {
  db: Db;
  config: Config;
  /** The feed-lag sampler (readiness and metrics read it). */
  feedLag: FeedLagMonitor;
}

export interface RouteContext<Q, P, B, R extends Responses = Responses> extends Deps {
  query: Q;
  params: P;
  /** The declared headers (RouteDef.headers) that were sent, validated. */
  headers: Record<string, unknown> | undefined;
  body: B;
  /** The calling key; every /v1 route has one. */
  auth: AuthContext;
  req: Request;
  /**
   * For response headers (ETag, Location, Vary) and the metrics' marks only: the answer itself is
   * the handler's return value (lib/answer.ts).
   */
  res: Response;
  /** Makes the answers other than a 200 JSON body, typed by this route's declared responses. */
  respond: Respond<R>;
}

/** A route's declared responses, by status. */
export type Responses = Record<number, ResponseSpec>;

/**
 * A route. `RouteDef` with no arguments is any route (the lists: src/routes.ts, the API document);
 * `defineRoute` infers `R` from the declared responses, against which it checks the handler.
 */
// biome-ignore lint/suspicious/noExplicitAny: the defaults make RouteDef "any route", whatever its types
export interface RouteDef<Q = any, P = any, B = any, R extends Responses = any> {
  method: HttpMethod;
  /** OpenAPI-style path, e.g. /v1/transactions/{id}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /**
   * The scope a key needs; `"any"`: any valid key, whatever its scopes (e.g. whoami);
   * `null` only for the routes that need no key.
   */
  scope: RouteScope;
  /**
   * The route may serve a change feed (lib/sync-feed.ts): its key lookup also reads the feed's horizon,
   * in the same round trip (AuthContext.feedHorizon), which the page then uses instead of reading it again.
   */
  feed?: boolean;
  /**
   * Every route declares its query, `z.strictObject({})` when it takes none: a parameter the
   * schema does not name is a 400, never ignored (a `?dry_run=true` must not apply a write).
   */
  query: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /**
   * The request headers the route reads besides the key (Idempotency-Key, If-Match, Accept),
   * keyed by their usual spelling. Validated like the other parts and documented as header
   * parameters; never strict, since every request carries other headers.
   */
  headers?: z.ZodObject;
  body?: z.ZodType<B>;
  responses: IsAny<R> extends true ? Responses : R;
  /**
   * Which per-key budget a call spends: "default" (RATE_LIMIT_PER_MINUTE), or "heavy"
   * (RATE_LIMIT_HEAVY_PER_MINUTE) for reports and exports. Absent: "default".
   */
  rateLimit?: RateLimitClass;
  /** Example request values for the API document; generated from the schemas when absent. */
  examples?: { query?: Record<string, unknown>; params?: Record<string, unknown>; body?: unknown };
  /**
   * Returns the body of the 200 answer (the output type of `responses[200].schema`), or one of the
   * answers `ctx.respond` makes for a declared status (lib/answer.ts): the compiler checks either
   * against the declared responses.
   */
  handler(ctx: RouteContext<Q, P, B, R>): HandlerOf<R>;
}

type IsAny<T> = 0 extends 1 & T ? true : false;
/** Checked against the declared responses; `unknown` for any route (the lists). */
type HandlerOf<R extends Responses> = IsAny<R> extends true ? unknown : HandlerResult<R> | Promise<HandlerResult<R>>;

/** A route, its handler's answers checked against its declared responses (`R` is inferred from them). */
export const defineRoute = <Q, P, B, const R extends Responses>(def: RouteDef<Q, P, B, R>): RouteDef<Q, P, B, R> => def;

/** `/v1/transactions/{id}` → `/v1/transactions/:id` */
export const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");

/** The declared headers that the request carries, by their declared names. */
function headerValues(req: Request, schema: z.ZodObject | undefined): Record<string, string | undefined> | undefined {
  if (!schema) return undefined;
  const sent = Object.keys(schema.shape).map((name) => [name, req.get(name)] as const);
  return Object.fromEntries(sent.filter(([, value]) => value !== undefined));
}

/** `admit` authenticates the key and spends its rate-limit budget (src/ratelimit/admit.ts). */
export function mountRoute(router: Router, route: RouteDef, deps: Deps, admit: Admit) {
  router[route.method](expressPath(route.path), async (req, res) => {
    markRoute(res, route);
    // Authentication and limits come before validation: without a key, nothing about the request is told.
    const auth = await admit(req, res, route);
    const input = parseParts<{
      query: unknown;
      params: unknown;
      headers: Record<string, unknown> | undefined;
      body: unknown;
    }>({
      query: { schema: route.query, value: req.query, part: "query" },
      params: { schema: route.params, value: req.params, part: "path" },
      headers: { schema: route.headers, value: headerValues(req, route.headers), part: "header" },
      body: { schema: route.body, value: req.body, part: "body" },
    });
    const ctx = { ...deps, ...input, auth: auth as AuthContext, req, res, respond };
    // The handler and the writing of its answer, together: a read whose connection the database
    // closed under it (a restart) runs once more, unless its answer has begun; writes never run
    // twice (src/lib/database-faults.ts).
    const run = async () => deliver(res, await route.handler(ctx));
    if (route.method === "get") await readRetriedOnce(run, () => !res.headersSent);
    else await run();
  });
}
