// Who is calling: the key in `x-apikey` (AIQ's header) or `Authorization: Bearer`.
// 401 for none, a malformed, unknown, revoked or expired key; 403 for a scope it lacks.
import type { Request } from "express";
import type { Db } from "../db/client.js";
import { readRetriedOnce } from "../lib/database-faults.js";
import { AppError } from "../lib/errors.js";
import type { WritableLocation } from "../lib/locations.js";
import { authFailures } from "../metrics/registry.js";
import type { RouteScope } from "../lib/route.js";
import { hashesEqual, hashKey, parseKey } from "./format.js";
import type { AuthContext, Scope } from "./scopes.js";

/** last_used_at is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface KeyRow {
  id: string;
  merchant_id: string;
  hash: string;
  scopes: string[];
  location_ids: string[];
  revoked_at: Date | null;
  expires_at: Date | null;
  last_used_at: Date | null;
  writable_locations?: WritableLocation[];
}

// Every request with a key runs this: raw SQL through the pool, one indexed lookup, prepared (measured
// by npm run bench: Prisma's findUnique cost several times this round trip).
const KEY_BY_PREFIX = `SELECT id, merchant_id, hash, scopes, location_ids, revoked_at, expires_at, last_used_at
  FROM "api_keys" WHERE prefix = $1`;

// A key that may write receipts or inventory also brings the stores it may write to (src/lib/locations.ts),
// in the same round trip: every such write resolves its store, and a receipt's whole write is then one
// more round trip (src/transactions/new-sale.ts). Reads do not pay for the subquery.
const KEY_WITH_LOCATIONS_BY_PREFIX = `SELECT id, merchant_id, hash, scopes, location_ids, revoked_at, expires_at, last_used_at,
  (SELECT coalesce(json_agg(json_build_object('id', l.id, 'pos_id', l.pos_id, 'time_zone', l.time_zone)), '[]')
     FROM locations l WHERE l.merchant_id = "api_keys".merchant_id
      AND (cardinality("api_keys".location_ids) = 0 OR l.id = ANY("api_keys".location_ids))) AS writable_locations
  FROM "api_keys" WHERE prefix = $1`;

// Also raw SQL: the first Prisma query of a process loads its query compiler (~60 MB of WebAssembly),
// which a service that only serves reads, lists and exports never needs otherwise.
const MARK_USED = `UPDATE "api_keys" SET last_used_at = $3 WHERE id = $1 AND merchant_id = $2`;

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
  return async function authenticate(req: Request, scope: RouteScope): Promise<AuthContext | null> {
    if (scope === null) return null;
    const key = keyFromRequest(req);
    if (!key)
      throw unauthenticated("missing", "Send an API key in the x-apikey header or as Authorization: Bearer <key>.");
    const parsed = parseKey(key);
    if (!parsed)
      throw unauthenticated("malformed", "The API key is malformed or mistyped (its checksum does not match).");

    // A read, whatever the request's method: run again once if its pooled connection was found closed.
    const statement =
      scope === "pos:write"
        ? { name: "api-key-with-locations-by-prefix", text: KEY_WITH_LOCATIONS_BY_PREFIX }
        : { name: "api-key-by-prefix", text: KEY_BY_PREFIX };
    const row = (await readRetriedOnce(() => db.pool.query<KeyRow>({ ...statement, values: [parsed.prefix] }))).rows[0];
    if (!row || !hashesEqual(row.hash, hashKey(key))) throw unauthenticated("unknown", "The API key is not valid.");
    const now = Date.now();
    if (row.revoked_at && row.revoked_at.getTime() <= now)
      throw unauthenticated("revoked", "The API key has been revoked.");
    if (row.expires_at && row.expires_at.getTime() <= now) throw unauthenticated("expired", "The API key has expired.");

    if (!row.last_used_at || now - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      // Not awaited: recording use must not slow or fail the request.
      db.pool
        .query({ name: "api-key-mark-used", text: MARK_USED, values: [row.id, row.merchant_id, new Date(now)] })
        .catch(() => {});
    }
    const auth: AuthContext = {
      keyId: row.id,
      merchantId: row.merchant_id,
      scopes: row.scopes as Scope[],
      locationIds: row.location_ids.length ? row.location_ids : null,
      environment: parsed.environment,
      ...(row.writable_locations ? { writableLocations: row.writable_locations } : {}),
    };
    if (scope !== "any" && !auth.scopes.includes(scope)) {
      authFailures.inc({ reason: "forbidden" });
      throw new AppError("forbidden", `The API key lacks the scope '${scope}'.`, {
        extensions: { required_scope: scope },
      });
    }
    return auth;
  };
}
