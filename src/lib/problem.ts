// The one place where errors become HTTP answers: RFC 9457 problem details.
// Ours (AppError), known library errors (body parser), database errors (a refused value: 400; busy
// or away: 503), and everything else (500, nothing internal).
import type { ErrorRequestHandler, RequestHandler } from "express";
import { statementTimeouts } from "../metrics/registry.js";
import { databaseFault } from "./database-faults.js";
import { AppError, type ErrorCode, errorCodes } from "./errors.js";

/** query_canceled: PostgreSQL's statement_timeout ended the statement. */
const STATEMENT_TIMEOUT = "57014";
export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const TYPE_BASE = "https://pos-bridge.dev/problems/";

export function problemBody(err: AppError, instance?: string) {
  return {
    type: TYPE_BASE + err.code.replaceAll("_", "-"),
    title: errorCodes[err.code].title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(err.issues.length ? { errors: err.issues } : {}),
    ...err.extensions,
  };
}

/** Errors thrown by express.json() (body-parser / raw-body) carry a `type` and a `status`. */
function fromBodyParser(err: { type?: string; status?: number; message?: string; limit?: number }): AppError | null {
  switch (err.type) {
    case "entity.too.large":
      return new AppError("payload_too_large", `The body is larger than the limit of ${err.limit} bytes.`);
    case "entity.parse.failed":
      return new AppError("bad_request", "The body is not valid JSON.", {
        issues: [{ location: "body", message: "Malformed JSON", code: "invalid_json" }],
      });
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError("unsupported_media_type", "Unsupported body encoding or charset.");
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
      return new AppError("bad_request", "The body could not be read.");
    default:
      return null;
  }
}

/**
 * PostgreSQL's refusals of a value (SQLSTATE class 22, data exception) that validation did not
 * catch: a date outside the years it stores, a number too large for its column, text it cannot
 * hold. The request is at fault, so a 400 — the detail never quotes the value (it may be personal
 * data), and the error is still logged (at warn) so that the missing validation gets added.
 * Statement timeouts and exhausted retries of conflicts are the service being busy: 503.
 */
const DATABASE_REFUSALS: Record<string, () => AppError> = {
  ...Object.fromEntries(
    [
      "22001", // string_data_right_truncation
      "22003", // numeric_value_out_of_range
      "22007", // invalid_datetime_format
      "22008", // datetime_field_overflow
      "22021", // character_not_in_repertoire (e.g. a NUL byte)
      "22P02", // invalid_text_representation
      "22P05", // untranslatable_character (e.g. \u0000 in jsonb)
    ].map((code) => [
      code,
      () =>
        new AppError(
          "bad_request",
          "A value in the request is outside what the service can store or compare (for example a date before year 1 " +
            "or an amount with too many digits).",
        ),
    ]),
  ),
  [STATEMENT_TIMEOUT]: () =>
    new AppError(
      "unavailable",
      "The request took too long in the database. Ask for less (a smaller limit or a narrower range) or try again " +
        "later.",
    ),
  "40001": () =>
    new AppError("unavailable", "The request conflicted with concurrent writes; retry it.", {
      headers: { "Retry-After": "1" },
    }),
  "40P01": () =>
    new AppError("unavailable", "The request conflicted with concurrent writes; retry it.", {
      headers: { "Retry-After": "1" },
    }),
};

/** Seconds a client is asked to wait when the database is away (a restart takes a few). */
export const DATABASE_AWAY_RETRY_AFTER = "2";

/**
 * The database restarting, crashed or unreachable (src/lib/database-faults.ts): the service is unavailable, not broken.
 */
const databaseAway = () =>
  new AppError(
    "unavailable",
    "The database is unavailable right now; retry shortly (a write is all or nothing, so retrying it is safe).",
    {
      headers: { "Retry-After": DATABASE_AWAY_RETRY_AFTER },
    },
  );

/**
 * The AppError of a database error (pg's DatabaseError carries the SQLSTATE as `code`; the database
 * being away comes in many shapes, see database-faults.ts), or null.
 */
export function fromDatabase(err: unknown): AppError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && Object.hasOwn(DATABASE_REFUSALS, code)) return DATABASE_REFUSALS[code]!();
  return databaseFault(err) ? databaseAway() : null;
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const known = typeof err === "object" && err !== null ? fromBodyParser(err as never) : null;
  if (known) return known;
  const database = fromDatabase(err);
  if (database) return database;
  // express's own 4xx (e.g. a malformed URI in a path) carry `status`/`statusCode`.
  const status =
    (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const code = (Object.keys(errorCodes) as ErrorCode[]).find((c) => errorCodes[c].status === status) ?? "bad_request";
    return new AppError(code);
  }
  return new AppError("internal", "An unexpected error occurred. It has been logged with this request's id.");
}

export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = toAppError(err);
  if ((err as { code?: unknown } | null)?.code === STATEMENT_TIMEOUT) statementTimeouts.inc();
  // The database being away is an outage to watch (and /readyz says it), not a fault of the code.
  if (databaseFault(err)) req.log?.warn({ err }, "the database is unavailable");
  else if (appError.status >= 500) req.log?.error({ err }, "request failed");
  else if (!(err instanceof AppError) && fromDatabase(err))
    req.log?.warn({ err }, "the database refused a value of the request");
  if (res.headersSent) {
    // A streaming response failed midway: the status is gone, so end the stream.
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
  res
    .status(appError.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(appError, req.id ? String(req.id) : undefined)));
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError("not_found", `No route ${req.method} ${req.path}.`));
};
