// The request budgets:
// - per API key, per minute: RATE_LIMIT_PER_MINUTE on ordinary routes, RATE_LIMIT_HEAVY_PER_MINUTE
//   on heavy ones (reports, exports). The two are separate budgets: a heavy request spends only
//   the heavy one, so a report run never starves AIQ's polling of the same key. express-rate-limit
//   counts them and writes the draft-8 `RateLimit` / `RateLimit-Policy` headers (policy "default"
//   or "heavy") and, past the budget, `Retry-After`.
// - per client address: RATE_LIMIT_AUTH_FAILURES_PER_MINUTE failed authentications (401). Past
//   that, every request from the address that needs a key is refused (429) before its key is even
//   looked at — a valid key included, or a guesser could tell a hit from a miss by the status.
//   Only failures are counted (the address's budget is read, not spent, on other requests), so a
//   poller's parallel requests never trip it.
import type { Request, RequestHandler, Response } from "express";
import { type ClientRateLimitInfo, ipKeyGenerator, rateLimit } from "express-rate-limit";
import type pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config/env.js";
import { AppError } from "../lib/errors.js";
import { rateLimitRejections } from "../metrics/registry.js";
import { createStore, initStore, type ReadableStore } from "./stores.js";

/** How heavy a route is for the per-key budget (RouteDef.rateLimit). */
export type RateLimitClass = "default" | "heavy";

export const WINDOW_MS = 60_000;
const AUTH_POLICY = "auth-failures";

export interface Limits {
  /** 429 when the caller's address has failed authentication too often in this window. */
  refuseBlockedAddress(req: Request, res: Response): Promise<void>;
  /** Counts a failed authentication against the caller's address; the answer shows that budget. */
  countAuthFailure(req: Request, res: Response): Promise<void>;
  /** Spends one request of the key's budget for the class; 429 past it. */
  spend(req: Request, res: Response, keyPrefix: string, rateClass: RateLimitClass): Promise<void>;
}

const retryAfterSeconds = (resetTime: Date | undefined) =>
  resetTime ? Math.max(0, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(WINDOW_MS / 1000);

/** Runs an Express middleware as a promise: resolves on next(), rejects on next(err). */
const run = (middleware: RequestHandler, req: Request, res: Response) =>
  new Promise<void>((resolve, reject) => {
    void middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });

function perKeyLimiter(rateClass: RateLimitClass, limit: number, store: ReadableStore, logger: Logger) {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit,
    store,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    identifier: rateClass,
    keyGenerator: (_req, res) => res.locals.rateLimitKey as string,
    // The answer goes through the one error handler, as problem details; Retry-After is already set.
    handler: (_req, res, next) => {
      rateLimitRejections.inc({ policy: rateClass });
      const retryAfter = Number(res.getHeader("Retry-After") ?? 0);
      next(
        new AppError(
          "rate_limited",
          `This API key has used its ${limit} ${rateClass === "heavy" ? "heavy " : ""}requests of this minute; ` +
            `retry after ${retryAfter} s.`,
          {
            extensions: { policy: rateClass, retry_after: retryAfter },
          },
        ),
      );
    },
    // A store that fails (the shared database down) lets requests through rather than failing them all.
    passOnStoreError: true,
    logger: { error: (err, msg) => logger.error({ err }, msg), warn: (err, msg) => logger.warn({ err }, msg) },
  });
}

export function createLimits(config: Config, pool: pg.Pool, logger: Logger): Limits {
  const kind = config.RATE_LIMIT_STORE;
  const limiters: Record<RateLimitClass, RequestHandler> = {
    default: perKeyLimiter("default", config.RATE_LIMIT_PER_MINUTE, createStore(kind, pool, "default"), logger),
    heavy: perKeyLimiter("heavy", config.RATE_LIMIT_HEAVY_PER_MINUTE, createStore(kind, pool, "heavy"), logger),
  };
  const failures = initStore(createStore(kind, pool, "auth"), WINDOW_MS);
  const failureLimit = config.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE;
  // IPv6 clients are counted per /56, as express-rate-limit does: one host holds a whole subnet.
  const addressOf = (req: Request) => ipKeyGenerator(req.ip ?? "unknown");

  const showFailureBudget = (res: Response, hits: number, resetTime: Date | undefined) => {
    res.append(
      "RateLimit",
      `"${AUTH_POLICY}"; r=${Math.max(failureLimit - hits, 0)}; t=${retryAfterSeconds(resetTime)}`,
    );
    res.append("RateLimit-Policy", `"${AUTH_POLICY}"; q=${failureLimit}; w=${WINDOW_MS / 1000}`);
  };

  return {
    async refuseBlockedAddress(req, res) {
      let info: ClientRateLimitInfo | undefined;
      try {
        info = await failures.get(addressOf(req));
      } catch (err) {
        logger.error({ err }, "rate limit store failed; request let through");
        return;
      }
      if (!info || info.totalHits < failureLimit) return;
      const retryAfter = retryAfterSeconds(info.resetTime);
      rateLimitRejections.inc({ policy: AUTH_POLICY });
      showFailureBudget(res, info.totalHits, info.resetTime);
      res.setHeader("Retry-After", String(retryAfter));
      throw new AppError(
        "rate_limited",
        `Too many failed authentications from this address; retry after ${retryAfter} s.`,
        { extensions: { policy: AUTH_POLICY, retry_after: retryAfter } },
      );
    },

    async countAuthFailure(req, res) {
      try {
        const info = await failures.increment(addressOf(req));
        showFailureBudget(res, info.totalHits, info.resetTime);
      } catch (err) {
        logger.error({ err }, "rate limit store failed; failure not counted");
      }
    },

    async spend(req, res, keyPrefix, rateClass) {
      res.locals.rateLimitKey = keyPrefix;
      await run(limiters[rateClass], req, res);
    },
  };
}
