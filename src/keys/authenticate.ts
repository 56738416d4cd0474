// Who is calling: the key in `x-apikey` (AIQ's header) or `Authorization: Bearer`.
// 401 for none, a malformed, unknown, revoked or expired key; 403 for a scope it lacks.
import type { Request } from "express";
import type { Db } from "../db/client.js";
import { execute, first } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import { readRetriedOnce } from "../lib/database-faults.js";
import { AppError } from "../lib/errors.js";
import type { RouteDef } from "../lib/route.js";
import { authFailures } from "../metrics/registry.js";
import { hashesEqual, hashKey, parseKey } from "./format.js";
import {
  type KeyLookupRow,
  keyByPrefix,
  keyWithHorizonByPrefix,
  keyWithLocationsByPrefix,
  markKeyUsed,
} from "./queries.js";
import type { AuthContext, Scope } from "./scopes.js";

/** last_used_at is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Why a key was refused: the label of posbridge_auth_failures_total (never the key itself). */
type FailureReason = "missing" | "malformed" | "unknown" | "revoked" | "expired" | "forbidden";

const unauthenticated = (reason: FailureReason, detail: string) => {
  authFailures.inc({ reason });
  return new AppError("unauthenticated", detail, { headers: { "WWW-Authenticate": 'Bearer realm="pos-bridge"' } });
};

export function keyFromRequest(req: Request): string | null {
  const header = req.headers["x-apikey"];
  if (typeof header === "string" && header.trim() !== "") return header.trim();
  const authorization = req.headers.authorization;
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match ? match[1]! : null;
}

export function createAuthenticator(db: Db) {
  return async function authenticate(
    req: Request,
    route: Pick<RouteDef, "scope" | "feed">,
  ): Promise<AuthContext | null> {
    const { scope } = route;
    if (scope === null) return null;
    const key = keyFromRequest(req);
    if (!key)
      throw unauthenticated("missing", "Send an API key in the x-apikey header or as Authorization: Bearer <key>.");
    const parsed = parseKey(key);
    if (!parsed)
      throw unauthenticated("malformed", "The API key is malformed or mistyped (its checksum does not match).");

    // A read, whatever the request's method: run again once if its pooled connection was found closed.
    // A pos:write key also brings the stores it may write to (src/lib/locations.ts); a feed's route, the
    // feed's horizon (lib/sync-feed.ts): one round trip fewer for each.
    const lookup =
      scope === "pos:write"
        ? keyWithLocationsByPrefix(parsed.prefix)
        : route.feed
          ? keyWithHorizonByPrefix(parsed.prefix)
          : keyByPrefix(parsed.prefix);
    const row = await readRetriedOnce(() => first<KeyLookupRow>(db.pool, lookup));
    if (!row || !hashesEqual(row.hash, hashKey(key))) throw unauthenticated("unknown", "The API key is not valid.");
    const now = Date.now();
    if (row.revoked_at && row.revoked_at.getTime() <= now)
      throw unauthenticated("revoked", "The API key has been revoked.");
    if (row.expires_at && row.expires_at.getTime() <= now) throw unauthenticated("expired", "The API key has expired.");

    const auth: AuthContext = {
      keyId: row.id,
      merchantId: row.merchant_id,
      scopes: row.scopes as Scope[],
      locationIds: row.location_ids.length ? row.location_ids : null,
      environment: parsed.environment,
      ...("writable_locations" in row ? { writableLocations: row.writable_locations } : {}),
      ...("horizon" in row ? { feedHorizon: { horizon: row.horizon, lagSeconds: row.lag_seconds } } : {}),
    };
    if (!row.last_used_at || now - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      // Not awaited: recording use must not slow or fail the request. Under the key's own scope.
      execute(db.pool, markKeyUsed(tenantOf(auth), row.id, new Date(now))).catch(() => {});
    }
    if (scope !== "any" && !auth.scopes.includes(scope)) {
      authFailures.inc({ reason: "forbidden" });
      throw new AppError("forbidden", `The API key lacks the scope '${scope}'.`, {
        extensions: { required_scope: scope },
      });
    }
    return auth;
  };
}
