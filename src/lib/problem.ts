// The one place where errors become HTTP answers: RFC 9457 problem details.
// Ours (AppError), known library errors (body parser), and everything else (500, nothing internal).
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, errorCodes, type ErrorCode } from "./errors.js";

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

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const known = typeof err === "object" && err !== null ? fromBodyParser(err as never) : null;
  if (known) return known;
  // express's own 4xx (e.g. a malformed URI in a path) carry `status`/`statusCode`.
  const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const code = (Object.keys(errorCodes) as ErrorCode[]).find((c) => errorCodes[c].status === status) ?? "bad_request";
    return new AppError(code);
  }
  return new AppError("internal", "An unexpected error occurred. It has been logged with this request's id.");
}

export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = toAppError(err);
  if (appError.status >= 500) req.log?.error({ err }, "request failed");
  if (res.headersSent) {
    // A streaming response failed midway: the status is gone, so end the stream.
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
  res.status(appError.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemBody(appError, req.id ? String(req.id) : undefined)));
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError("not_found", `No route ${req.method} ${req.path}.`));
};
