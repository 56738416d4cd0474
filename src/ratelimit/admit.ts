// Who may come in, and how often: the first step of every route (mountRoute calls it before
// validation). Public routes (scope null: health, the API document, the docs page) pass freely and
// carry no RateLimit headers; every route that needs a key answers with its budget, errors included.
import type { Request, Response } from "express";
import { keyFromRequest } from "../keys/authenticate.js";
import { parseKey } from "../keys/format.js";
import type { AuthContext } from "../keys/scopes.js";
import { AppError } from "../lib/errors.js";
import type { RouteDef } from "../lib/route.js";
import type { Limits } from "./limits.js";

export type Authenticate = (req: Request, route: Pick<RouteDef, "scope" | "feed">) => Promise<AuthContext | null>;
export type Admit = (req: Request, res: Response, route: RouteDef) => Promise<AuthContext | null>;

const isError = (err: unknown, code: "unauthenticated" | "forbidden") => err instanceof AppError && err.code === code;

/** The key's public prefix (pb_live_xxxxxxxxxx): what its budget is counted under. */
const keyPrefix = (req: Request) => parseKey(keyFromRequest(req) ?? "")?.prefix;

export function createAdmit(authenticate: Authenticate, limits: Limits): Admit {
  return async function admit(req, res, route) {
    if (route.scope === null) return null;
    const rateClass = route.rateLimit ?? "default";
    await limits.refuseBlockedAddress(req, res);
    let auth: AuthContext | null;
    try {
      auth = await authenticate(req, route);
    } catch (err) {
      if (isError(err, "unauthenticated")) await limits.countAuthFailure(req, res);
      // A 403 comes only after the key itself was verified: a real key calling beyond its scopes
      // spends its budget like any other request (and its answer shows it).
      const prefix = isError(err, "forbidden") ? keyPrefix(req) : undefined;
      if (prefix) await limits.spend(req, res, prefix, rateClass);
      throw err;
    }
    await limits.spend(req, res, keyPrefix(req)!, rateClass);
    return auth;
  };
}
