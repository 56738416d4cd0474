// No request holds a connection (or a client's patience) for ever. REQUEST_TIMEOUT_MS bounds the
// time until an answer starts: past it, a 503 problem goes out and whatever the handler still
// writes is dropped (its queries are capped by the database's statement_timeout anyway).
//
// Streams (CSV / NDJSON exports) are exempt once they have started: a route that sends its headers
// (res.writeHead, res.flushHeaders, or its first write) before REQUEST_TIMEOUT_MS may run on for as
// long as it keeps writing; from then on it is cut only after STREAM_IDLE_TIMEOUT_MS without a
// byte going out. So an export only has to start its answer early — no per-route setting.
//
// A body that is announced but does not arrive is cut sooner, after BODY_TIMEOUT_MS, with a 408.
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
 * BODY_TIMEOUT_MS bounds the wait for an announced body (Content-Length or chunked): a client that
 * sends the headers and then nothing (or a trickle) gets a 408 well before REQUEST_TIMEOUT_MS,
 * and the connection is closed, since what it would still send cannot be read as a next request.
 */
export function bodyTimeout(config: Pick<Config, "BODY_TIMEOUT_MS">): RequestHandler {
  const limitMs = config.BODY_TIMEOUT_MS;
  return (req, res, next) => {
    const announced = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    if (!announced || req.complete) {
      next();
      return;
    }
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return;
      res.locals.timedOut = true;
      res.setHeader("Connection", "close");
      const seconds = Math.round(limitMs / 100) / 10;
      problemHandler(
        new AppError("request_timeout", `The body did not arrive within ${seconds} s of the headers.`),
        req,
        res,
        () => {},
      );
    }, limitMs);
    const stop = () => clearTimeout(timer);
    req.once("end", stop);
    res.once("close", stop);
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
