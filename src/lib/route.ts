// A route contract, in one object: method, path, scope, zod schemas of the request and of the
// responses, and the handler. The router mounts it (validating once, at the edge) and the OpenAPI
// document is generated from the same objects, so the two cannot disagree.
import type { Request, Response, Router } from "express";
import type { z } from "zod";
import type { Config } from "../config/env.js";
import type { Db } from "../db/client.js";
import type { AuthContext, Scope } from "../keys/scopes.js";
import type { FeedLagMonitor } from "../metrics/feed-lag.js";
import { countRowsServed, markRoute } from "../metrics/http.js";
import type { Admit } from "../ratelimit/admit.js";
import type { RateLimitClass } from "../ratelimit/limits.js";
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
  contentTypes?: string[];
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

export interface RouteContext<Q, P, B> extends Deps {
  query: Q;
  params: P;
  /** The declared headers (RouteDef.headers) that were sent, validated. */
  headers: Record<string, unknown> | undefined;
  body: B;
  /** The calling key; every /v1 route has one. */
  auth: AuthContext;
  req: Request;
  res: Response;
}

export interface RouteDef<Q = any, P = any, B = any> {
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
  responses: Record<number, ResponseSpec>;
  /**
   * Which per-key budget a call spends: "default" (RATE_LIMIT_PER_MINUTE), or "heavy"
   * (RATE_LIMIT_HEAVY_PER_MINUTE) for reports and exports. Absent: "default".
   */
  rateLimit?: RateLimitClass;
  /** Example request values for the API document; generated from the schemas when absent. */
  examples?: { query?: Record<string, unknown>; params?: Record<string, unknown>; body?: unknown };
  /**
   * Returns the JSON body of a 200 answer, or answers through `res` itself (streams, CSV, other
   * statuses) and returns undefined.
   */
  handler(ctx: RouteContext<Q, P, B>): Promise<unknown> | unknown;
}

export const defineRoute = <Q, P, B>(def: RouteDef<Q, P, B>): RouteDef<Q, P, B> => def;

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
    const run = () => route.handler({ ...deps, ...input, auth: auth as AuthContext, req, res });
    // A read whose connection the database closed under it (a restart) runs once more, unless its
    // answer has begun; writes never run twice (src/lib/database-faults.ts).
    const result =
      route.method === "get"
        ? await readRetriedOnce(
            async () => run(),
            () => !res.headersSent,
          )
        : await run();
    if (res.headersSent || res.writableEnded) return;
    if (result === undefined) res.status(204).end();
    else {
      // A list page or a report: its records count as rows served.
      const rows = typeof result === "object" && result !== null ? (result as { data?: unknown }).data : undefined;
      if (Array.isArray(rows)) countRowsServed(res, "page", rows.length);
      res.status(200).json(result);
    }
  });
}
