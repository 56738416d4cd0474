// No request holds a connection (or a client's patience) for ever. REQUEST_TIMEOUT_MS bounds the
// time until an answer starts: past it, a 503 problem goes out and whatever the handler still
// writes is dropped (its queries are capped by the database's statement_timeout anyway).
//
// Streams (CSV / NDJSON exports) are exempt once they have started: a route that sends its headers
// (res.writeHead, res.flushHeaders, or its first write) before REQUEST_TIMEOUT_MS may run on for as
// long as it keeps writing; from then on it is cut only after STREAM_IDLE_TIMEOUT_MS without a
// byte going out. So an export only has to start its answer early — no per-route setting.
import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Config } from "../config/env.js";
import { AppError } from "./errors.js";
import { problemHandler } from "./problem.js";

export function requestTimeout(config: Pick<Config, "REQUEST_TIMEOUT_MS" | "STREAM_IDLE_TIMEOUT_MS">): RequestHandler {
  const limitMs = config.REQUEST_TIMEOUT_MS;
  const idleMs = config.STREAM_IDLE_TIMEOUT_MS;
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.writableEnded) return;
      if (res.headersSent) {
        res.setTimeout(idleMs, () => {
          req.log?.warn({ idle_ms: idleMs }, "stream idle for too long; connection closed");
          res.destroy();
        });
        return;
      }
      res.locals.timedOut = true;
      const seconds = Math.round(limitMs / 100) / 10;
      const error = new AppError(
        "unavailable",
        `No answer within ${seconds} s. Ask for less (a smaller limit or a narrower time range) or try again later.`,
      );
      problemHandler(error, req, res, () => {});
    }, limitMs);
    res.once("close", () => clearTimeout(timer));
    next();
  };
}

/**
 * A handler that finishes after its request timed out fails to write its answer (headers already
 * sent). That is expected, not a fault: note it quietly instead of logging a 500.
 */
export const dropLateErrors: ErrorRequestHandler = (err, req, res, next) => {
  if (!res.locals.timedOut) {
    next(err);
    return;
  }
  req.log?.info("handler finished after its request timed out; its answer was dropped");
};
