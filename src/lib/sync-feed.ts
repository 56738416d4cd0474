// The lossless change feed. Every list that can be walked by change time serves only the part of
// the time axis that can no longer change: below a horizon H such that every write not yet visible
// will get a change time >= H.
//
// Why it holds: a row's updated_at is set by a trigger that first takes the writer's transaction id
// (so the writer shows in pg_stat_activity with a backend_xid) and then reads the clock. H is the
// earliest of this statement's start and the start of every transaction in this database that
// holds a transaction id now. A writer already holding an id started at or after H, so its rows are
// >= H; a writer that takes its id later reads the clock later still, so its rows are >= H too.
// Rows below H are therefore all committed (or never will be), and a cursor that has passed a
// point below H can never be overtaken by a late commit. Timestamps alone, or sequences, are
// assigned before commit and lose rows; this is the "start of the oldest write in flight" design.
//
// The service's database role must see its own sessions in pg_stat_activity (any role does; a
// different writer role needs pg_read_all_stats). Clocks: one PostgreSQL primary sets all times.
import { sql } from "kysely";
import { type Executor, first, reviewedStatement } from "../db/sql.js";
import { feedRequestLag } from "../metrics/registry.js";
import type { InstantText } from "./instant.js";
import type { Page, Position } from "./paging.js";

/** Microsecond RFC 3339 UTC text of a timestamptz column, for output and cursors (a JS Date loses µs). */
export const utcText = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The smallest id, to start a position "at H, before every row of H". */
export const MIN_UUID = "00000000-0000-0000-0000-000000000000";

// The horizon and its lag as one row: how far the horizon trails this statement's time, measured on
// the database's own clock, so no clock skew enters it. Read by its own statement (HORIZON), or joined
// to the key lookup of a route that serves a feed (src/keys/queries.ts), which saves the page's request
// a round trip: that statement too completes before the page's statement starts.
export const horizonRow = sql<{ horizon: string; lag_seconds: number }>`(SELECT ${sql.raw(utcText("h"))} AS horizon,
    extract(epoch FROM statement_timestamp() - h)::float8 AS lag_seconds
    FROM (SELECT least(statement_timestamp(), (SELECT min(xact_start) FROM pg_stat_activity
      WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid())) AS h) AS horizon)`;

// A prepared statement: planning the pg_stat_activity view costs ~3 ms, running it ~0.3 ms (npm run
// bench), and every feed request reads the horizon.
const HORIZON = reviewedStatement(
  "no-tenant-table",
  sql<{ horizon: string; lag_seconds: number }>`SELECT * FROM ${horizonRow} AS feed`,
  {
    prepare: "feed-horizon",
  },
);

export interface Horizon {
  /** RFC 3339 text of the horizon: every change before it is visible. */
  horizon: string;
  /** Seconds between the horizon and now: how far every feed trails (0 when no write is in flight). */
  lagSeconds: number;
  /** Read by an earlier request (lib/recent-horizon.ts), not for this one. */
  reused?: boolean;
}

/**
 * Reads the horizon. What holds it back is any session of this database holding a transaction id
 * (a write in flight, an open transaction that wrote, or one that called txid_current()) for as
 * long as that transaction lasts, the service's own or not: see the README's "What bounds a feed
 * stall".
 */
export async function readHorizon(db: Executor): Promise<Horizon> {
  const row = (await first(db, HORIZON))!;
  return { horizon: row.horizon, lagSeconds: row.lag_seconds };
}

/** The feeds, for the per-request lag metric. */
export type FeedName = "transactions" | "customers" | "inventory";

export interface FeedBounds {
  /** Serve rows with updated_at < upper (RFC 3339 text). */
  upper: string;
  /** True when the horizon, not the client's updated_to, bounds the answer: more may come later. */
  capped: boolean;
}

/**
 * Read the horizon before the page's query (whose snapshot must come after it); `known`: the horizon
 * this request already read with its key (AuthContext.feedHorizon), in a statement that finished before.
 */
export async function feedBounds(
  db: Executor,
  updatedTo: InstantText | undefined,
  feed: FeedName,
  known?: Horizon,
  after?: Position | null,
): Promise<FeedBounds> {
  const stale = known?.reused && after && pastHorizon(after, known.horizon);
  const { horizon, lagSeconds } = known && !stale ? known : await readHorizon(db);
  feedRequestLag.observe({ feed }, lagSeconds);
  // Both normalised microsecond texts (lib/instant.ts, utcText): they compare as strings.
  if (updatedTo && updatedTo <= horizon) return { upper: updatedTo, capped: false };
  return { upper: horizon, capped: true };
}

/**
 * Whether a cursor's position is past a horizon: a row at or after it was served, so a later horizon was
 * (by another instance, or by this one before a write through another). A reused horizon would then answer
 * nothing new: the request reads its own. A continuation made at that very horizon is not past it.
 */
function pastHorizon(after: Position, horizon: string): boolean {
  const at = microText(String(after[0]));
  return at > horizon || (at === horizon && String(after[1]) !== MIN_UUID);
}

export interface FeedPage<T> extends Page<T> {
  /** Every change before this instant is in this answer or the pages that follow it. */
  complete_through: string;
}

/** RFC 3339 UTC text with microseconds (a Date's ISO text has milliseconds), so instants compare as text. */
export const microText = (text: string) => text.replace(/\.(\d{3})Z$/, ".$1000Z").replace(/:(\d{2})Z$/, ":$1.000000Z");

/** The later of two positions [change time text, id] on the feed's order. */
export function laterPosition(a: Position, b: Position): Position {
  const [at, bt] = [microText(String(a[0])), microText(String(b[0]))];
  return at > bt || (at === bt && String(a[1]) > String(b[1])) ? a : b;
}

/**
 * Where a caught-up feed continues: at the bound, before every row of that instant — or where the
 * client already was (`after`, its cursor's position) if that is later. The horizon can sit before
 * a cursor made at an earlier poll (an old transaction took a transaction id since); continuing
 * from it would serve rows again.
 */
export const continuationPosition = (bounds: FeedBounds, after: Position | null | undefined): Position =>
  after ? laterPosition(after, [bounds.upper, MIN_UUID]) : [bounds.upper, MIN_UUID];

/**
 * A feed page: like a list page, but when the horizon capped it, `next_cursor` is a continuation
 * (poll it again later: it resumes exactly after everything served), even though has_more is false.
 */
export function toFeedPage<T>(
  page: Page<T>,
  bounds: FeedBounds,
  cursorFor: (position: Position) => string,
  after?: Position | null,
): FeedPage<T> {
  if (page.has_more || !bounds.capped) return { ...page, complete_through: bounds.upper };
  return { ...page, next_cursor: cursorFor(continuationPosition(bounds, after)), complete_through: bounds.upper };
}
