// Who is calling: the key in `x-apikey` (AIQ's header) or `Authorization: Bearer`.
// 401 for none, a malformed, unknown, revoked or expired key; 403 for a scope it lacks.
import type { Request } from "express";
import type { Db } from "../db/client.js";
import { execute, first } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import { readRetriedOnce } from "../lib/database-faults.js";
import { AppError } from "../lib/errors.js";
import type { RecentHorizon } from "../lib/recent-horizon.js";
import type { RouteDef } from "../lib/route.js";
import { authFailures } from "../metrics/registry.js";
import { hashesEqual, hashKey, parseKey } from "./format.js";
import { KEY_CACHE_CHANNEL, KeyCache } from "./key-cache.js";
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

export interface AuthenticatorOptions {
  /** KEY_CACHE_TTL_MS: how long a verified key is kept in the process at most; 0: never kept. */
  keyCacheTtlMs: number;
  /** The feed's horizon read lately by any request (FEED_HORIZON_REUSE_MS), reused by a feed's route. */
  horizons: RecentHorizon;
}

export function createAuthenticator(db: Db, { keyCacheTtlMs, horizons }: AuthenticatorOptions) {
  const cache = keyCacheTtlMs > 0 ? new KeyCache(db.listener(KEY_CACHE_CHANNEL), keyCacheTtlMs) : null;
  // Started here, outside any request, so its LISTEN belongs to no request's statements.
  if (cache) db.listener(KEY_CACHE_CHANNEL).start();
  // When each key's last_used_at was last written (or read), by key id: in memory, not from a kept row.
  const lastMarked = new Map<string, number>();

  /**
   * The key of this prefix, kept or read, with what its route needs: a pos:write key, the stores it may
   * write to; a feed's route, the feed's horizon (lib/sync-feed.ts), read before the page's statement
   * starts: one read lately by any request (lib/recent-horizon.ts), or else one read with the key, in
   * the same round trip (a kept key is then read again: that round trip is the horizon's anyway).
   */
  async function lookUp(prefix: string, route: Pick<RouteDef, "scope" | "feed">) {
    const needsStores = route.scope === "pos:write";
    const recent = route.feed ? horizons.fresh() : undefined;
    const kept = cache?.get(prefix);
    if (kept && (needsStores ? kept.writable_locations : !route.feed || recent))
      return { row: kept, horizon: recent, generation: null, kept: true };
    // A read, whatever the request's method: run again once if its pooled connection was found closed.
    const lookup = needsStores
      ? keyWithLocationsByPrefix(prefix)
      : route.feed && !recent
        ? keyWithHorizonByPrefix(prefix)
        : keyByPrefix(prefix);
    const generation = cache?.begin() ?? null;
    const reading = horizons.begin();
    const row = await readRetriedOnce(() => first<KeyLookupRow>(db.pool, lookup));
    if (!row || !("horizon" in row)) return { row, horizon: recent, generation, kept: false };
    const horizon = { horizon: row.horizon, lagSeconds: row.lag_seconds };
    horizons.remember(reading, horizon);
    return { row, horizon, generation, kept: false };
  }

  /** A key just read and verified: kept (unless the cache was emptied since `generation`), its last use noted. */
  function remember(prefix: string, generation: number | null, row: KeyLookupRow) {
    if (row.last_used_at) lastMarked.set(row.id, Math.max(lastMarked.get(row.id) ?? 0, row.last_used_at.getTime()));
    if (!cache) return;
    const { last_used_at: _used, ...rest } = row;
    const {
      horizon: _horizon,
      lag_seconds: _lag,
      ...key
    } = rest as typeof rest & { horizon?: string; lag_seconds?: number };
    cache.keep(prefix, generation, key);
  }

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

    const { row, horizon, generation, kept } = await lookUp(parsed.prefix, route);
    // A kept row's hash is compared as a read one's: the prefix finds it, only the hash proves it.
    if (!row || !hashesEqual(row.hash, hashKey(key))) throw unauthenticated("unknown", "The API key is not valid.");
    if (!kept) remember(parsed.prefix, generation, row as KeyLookupRow);
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
      ...(scope === "pos:write" && "writable_locations" in row && row.writable_locations
        ? { writableLocations: row.writable_locations, writableLocationsKept: kept }
        : {}),
      ...(horizon ? { feedHorizon: horizon } : {}),
    };
    const marked = lastMarked.get(row.id);
    if (marked === undefined || now - marked > LAST_USED_RESOLUTION_MS) {
      lastMarked.set(row.id, now);
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
