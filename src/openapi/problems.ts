// The error answers of an operation: which statuses it can answer with besides its own, what each
// means, and an example problem document per status. Every one references the shared
// ProblemDetails schema (src/lib/problem-schema.ts), the shape src/lib/problem.ts sends.
import { type ErrorCode, errorCodes } from "../lib/errors.js";
import { PROBLEM_CONTENT_TYPE } from "../lib/problem.js";
import type { RouteDef } from "../lib/route.js";

/** What each error status means when a route does not say it in its own words. */
export const problemDescriptions: Record<number, string> = {
  400: "The request is not valid: every issue (unknown or misspelled parameters included) is listed in `errors`.",
  401: "No API key, or a malformed, unknown, revoked or expired one (`WWW-Authenticate` says how to send one).",
  403: "The key is valid but lacks the scope this operation needs (named in `required_scope`).",
  404:
    "No such record for this key: records of other merchants, and of locations the key is not limited to, do not " +
    "exist for it.",
  405: "The method is not allowed on this path.",
  406: "None of the media types in `Accept` can be produced.",
  408:
    "The body did not arrive in time (`BODY_TIMEOUT_MS` after the headers); the connection is closed. Send the " +
    "request again.",
  409: "The request conflicts with the current state of the record.",
  412: "A precondition (`If-Match`) did not hold: the record changed since it was read.",
  413: "The body is larger than the service accepts.",
  415: "The body is not `application/json`.",
  422: "The request is well-formed but cannot be carried out as asked.",
  428: "A precondition header is required.",
  429: "Too many requests for this key: wait for `Retry-After` seconds, then retry.",
  500: "An unexpected error. Nothing internal is told; quote `instance` (the request id) when reporting it.",
  503: "The service cannot answer now (database down, or migrations pending).",
};

const exampleDetails: Partial<Record<ErrorCode, string>> = {
  validation_failed: "The request has 1 invalid value.",
  unauthenticated: "Send an API key in the x-apikey header or as Authorization: Bearer <key>.",
  forbidden: "The API key lacks the scope 'reports:read'.",
  not_found: "No such record.",
  rate_limited: "Too many requests: retry in 12 seconds.",
  internal: "An unexpected error occurred. It has been logged with this request's id.",
};

const codeOfStatus = (status: number): ErrorCode =>
  status === 400
    ? "validation_failed"
    : ((Object.keys(errorCodes) as ErrorCode[]).find((code) => errorCodes[code].status === status) ?? "internal");

/** A problem document as src/lib/problem.ts would send it for `status`. */
export function problemExample(status: number): Record<string, unknown> {
  const code = codeOfStatus(status);
  return {
    type: `https://pos-bridge.dev/problems/${code.replaceAll("_", "-")}`,
    title: errorCodes[code].title,
    status: errorCodes[code].status,
    detail: exampleDetails[code] ?? `${errorCodes[code].title}.`,
    code,
    instance: "0b7c4c1e-5f0a-4a52-9d3c-2f1d8e6f7a10",
    ...(code === "validation_failed"
      ? { errors: [{ location: "query.limt", message: "Unknown query parameter 'limt'.", code: "unknown_parameter" }] }
      : {}),
    ...(code === "forbidden" ? { required_scope: "reports:read" } : {}),
  };
}

/**
 * The error statuses an operation can answer with: the ones the route declares, plus those every
 * route of its kind can meet (validation when it takes input, 401/403/429 when it needs a key,
 * 404 when its path names a record, 408/413/415 when it takes a body, 500 always).
 */
export function errorStatusesOf(route: RouteDef): number[] {
  const statuses = new Set(
    Object.keys(route.responses)
      .map(Number)
      .filter((s) => s >= 400),
  );
  statuses.add(400); // every route validates its query at least
  if (route.scope !== null) {
    statuses.add(401);
    statuses.add(429);
    if (route.scope !== "any") statuses.add(403);
  }
  if (route.params || route.path.includes("{")) statuses.add(404);
  if (route.body) {
    statuses.add(408);
    statuses.add(413);
    statuses.add(415);
  }
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

export { PROBLEM_CONTENT_TYPE };
