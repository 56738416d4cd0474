// The stores a key may write to, by this service's id and by the POS's store id. Loaded once per
// request (a merchant has a handful of stores), so a batch resolves every receipt without a query.
// A store outside the key's locations is treated as unknown, exactly like another merchant's.
import type pg from "pg";
import { type Columns, qb, run, tenantStatement } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import type { ProblemIssue } from "./errors.js";

export type WritableLocation = Columns<"locations", "id" | "pos_id" | "time_zone">;

export interface LocationIndex {
  byId: Map<string, WritableLocation>;
  byPosId: Map<string, WritableLocation>;
}

/**
 * The stores `auth` may write to. `named`: the bodies (or items) of the write, whose location_id or
 * location_pos_id name stores: stores that came with a key kept in the process are read again when
 * one of them is missing, so a store made a moment ago works at once, as a key made a moment ago does
 * (its notification may still be on its way: keys/key-cache.ts).
 */
export async function loadWritableLocations(
  db: pg.Pool | pg.ClientBase,
  auth: AuthContext,
  named: readonly unknown[],
): Promise<LocationIndex> {
  // A pos:write key brought them along with itself (one round trip fewer).
  let index = indexOf(auth.writableLocations ?? (await queryWritableLocations(db, auth)));
  if (auth.writableLocations && auth.writableLocationsKept && named.some((body) => !knows(index, body)))
    index = indexOf(await queryWritableLocations(db, auth));
  return index;
}

const indexOf = (rows: WritableLocation[]): LocationIndex => ({
  byId: new Map(rows.map((l) => [l.id, l])),
  byPosId: new Map(rows.map((l) => [l.pos_id, l])),
});

/** Whether the store a body names (if it names one) is in the index. */
function knows(index: LocationIndex, body: unknown): boolean {
  if (typeof body !== "object" || body === null) return true;
  const { location_id: id, location_pos_id: posId } = body as Record<string, unknown>;
  if (typeof id === "string") return index.byId.has(id.toLowerCase());
  if (typeof posId === "string") return index.byPosId.has(posId);
  return true;
}

function queryWritableLocations(db: pg.Pool | pg.ClientBase, auth: AuthContext): Promise<WritableLocation[]> {
  const tenant = tenantOf(auth);
  // The merchant's stores, or the key's own: a store's own id is its location (no location_id column here).
  const stores = tenant.locationIds;
  return run(
    db,
    tenantStatement(
      tenant,
      qb
        .selectFrom("locations as l")
        .select(["l.id", "l.pos_id", "l.time_zone"])
        .where(tenant.where("l", { locations: false }))
        .$if(stores !== null, (q) => q.where((eb) => eb("l.id", "=", eb.fn.any(eb.val(stores!))))),
    ),
  );
}

/** The store named by `location_id` or `location_pos_id` of a body at `at`, or the issue saying it is unknown. */
export function resolveLocation(
  index: LocationIndex,
  ref: { location_id?: string; location_pos_id?: string },
  at: string,
): { location: WritableLocation } | { issue: ProblemIssue } {
  if (ref.location_id !== undefined) {
    const location = index.byId.get(ref.location_id.toLowerCase());
    return location
      ? { location }
      : {
          issue: {
            location: `${at}.location_id`,
            message: `No location ${ref.location_id} that this key may write to.`,
            code: "unknown_location",
          },
        };
  }
  const location = index.byPosId.get(ref.location_pos_id ?? "");
  return location
    ? { location }
    : {
        issue: {
          location: `${at}.location_pos_id`,
          message: `No location with POS id '${ref.location_pos_id}' that this key may write to.`,
          code: "unknown_location",
        },
      };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The local date (YYYY-MM-DD) of an instant in an IANA time zone: a receipt's business date. */
export function localDate(at: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dateFormats.set(timeZone, format);
  }
  return format.format(at);
}
