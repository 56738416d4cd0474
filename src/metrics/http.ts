// Per-request metrics, recorded once when the answer is done: its duration by route template,
// method and status class, and for writes what each written record became. Cost per request: one
// clock read, one 'close' listener, one or two counter increments (no allocation per label set
// after the first, no I/O).
import type { Request, RequestHandler, Response } from "express";
import { REPLAYED_HEADER } from "../lib/idempotency.js";
import { WRITE_RESULT_HEADER } from "../lib/write-result.js";
import { httpRequestDuration, rowsServed, writes } from "./registry.js";

export type WriteOutcome = "created" | "updated" | "unchanged" | "error";

interface RouteMark {
  /** The route's template, e.g. /v1/transactions/{id}: never the request's own path. */
  template: string;
  /** Writes count what became of their records (writes_total). */
  write: boolean;
  /** Set by a handler that wrote several records (a batch): how many had each result. */
  outcomes?: Partial<Record<WriteOutcome, number>>;
}

const MARK = "metricsRoute";
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const OUTCOMES = new Set<string>(["created", "updated", "unchanged"]);

/** Requests that no route answered (unknown paths, bodies refused before routing) share one label. */
export const UNMATCHED = "unmatched";

const markOf = (res: Response): RouteMark | undefined => res.locals[MARK] as RouteMark | undefined;

/** Called by mountRoute as a route starts: the labels of this request. */
export function markRoute(res: Response, route: { path: string; method: string }): void {
  res.locals[MARK] = { template: route.path, write: route.method !== "get" } satisfies RouteMark;
}

/** The template of the route answering `res` (for metrics recorded by the route itself). */
export const routeTemplateOf = (res: Response): string => markOf(res)?.template ?? UNMATCHED;

/** Records a page (JSON list or report) or an export served, under the answering route's template. */
export function countRowsServed(res: Response, kind: "page" | "export", records: number): void {
  if (records > 0) rowsServed.inc({ route: routeTemplateOf(res), kind }, records);
}

/**
 * A handler that wrote several records says how many had each result (else the Write-Result header or the status
 * tells).
 */
export function recordWriteOutcomes(res: Response, outcomes: Partial<Record<WriteOutcome, number>>): void {
  const mark = markOf(res);
  if (mark) mark.outcomes = outcomes;
}

function countWrites(res: Response, mark: RouteMark, finished: boolean): void {
  if (finished && res.statusCode < 400 && mark.outcomes && res.getHeader(REPLAYED_HEADER) !== "true") {
    for (const [result, n] of Object.entries(mark.outcomes)) if (n) writes.inc({ route: mark.template, result }, n);
    return;
  }
  const header = String(res.getHeader(WRITE_RESULT_HEADER) ?? "");
  let result: WriteOutcome;
  if (!finished || res.statusCode >= 400) result = "error";
  // A stored answer sent again for a reused Idempotency-Key wrote nothing (whatever its Write-Result said).
  else if (res.getHeader(REPLAYED_HEADER) === "true") result = "unchanged";
  else if (OUTCOMES.has(header)) result = header as WriteOutcome;
  else return;
  writes.inc({ route: mark.template, result });
}

export const observeRequests: RequestHandler = (req: Request, res: Response, next) => {
  const start = process.hrtime.bigint();
  res.once("close", () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const finished = res.writableFinished;
    const mark = markOf(res);
    httpRequestDuration.observe(
      {
        route: mark?.template ?? UNMATCHED,
        method: METHODS.has(req.method) ? req.method : "OTHER",
        status_class: finished ? `${Math.floor(res.statusCode / 100)}xx` : "aborted",
      },
      seconds,
    );
    if (mark?.write) countWrites(res, mark, finished);
  });
  next();
};
