// The one paging engine: every list (transactions, customers, inventory) and every export of them
// declares itself here (a Listing) and is walked the same way:
// - keyset position: rows strictly after (axis time, id), on the index (merchant_id, <axis>_at, id),
//   so a page 900,000 rows deep costs what the first does;
// - a signed cursor bound to the merchant, the key's locations and the filters (lib/paging.ts);
// - on the change-time axis, the feed's horizon as the upper bound (lib/sync-feed.ts), read before
//   the page's statement so that its snapshot comes after the horizon;
// - page assembly: limit + 1 rows, has_more, next_cursor (and a feed's continuation).
// The statement keeps the shape that holds its plan (lib/stable-plan.ts): the merchant and every time
// bound hidden from the planner, the page's rows picked in a bounded sub-select whose LIMIT is a
// power-of-two literal (without a filter of the resource's, one that can only be planned as a walk of the
// index in order: walkInOrder), then rendered by the resource (its joins and columns), prepared under the
// listing's name so a warm connection plans it once.
import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { InstantText } from "../lib/instant.js";
import { decodeCursor, encodeCursor, filterFingerprint, type Page, timeIdPosition, toPage } from "../lib/paging.js";
import type { RecordFormat } from "../lib/record-format.js";
import { opaque, rowsBound, walkInOrder } from "../lib/stable-plan.js";
import { type FeedName, feedBounds, type Horizon, toFeedPage } from "../lib/sync-feed.js";
import type { Db } from "./client.js";
import { type DB, run, runEach, type Statement, tenantStatement } from "./sql.js";
import type { Tenant } from "./tenant.js";

/** A position on a list's order: [axis time as microsecond RFC 3339 text, id]. */
export type TimeId = [string, string];

/** The tables a list walks: each has an id, a merchant and a change time. */
export type ListedTable = "transactions" | "customers" | "inventory_items";

/** The filters of a list as parsed from its query: the time ranges by axis name, and the resource's own. */
export type ListFilters = object;

/** A time axis of a list: its name (the `<name>_from`/`<name>_to` parameters) and its column. */
export interface Axis {
  name: string;
  /** The change-time axis: the lossless feed, bounded by the horizon. */
  feed: boolean;
  /** `alias.<column>` (typed: columnsOf). */
  column: string;
}

/** What a page's statement asks of the resource's rendering. */
export interface View {
  format: RecordFormat;
  /** Each record on one line (an NDJSON export). */
  oneLine: boolean;
  /**
   * The transactions in our own shape (the NDJSON export, the pages): lines from the receipt's kept text, markers left
   * for Node (transactions/kept-lines.ts).
   */
  keptLines?: boolean;
}

/** Where the page's rows come from, for the resource's rendering (the body that follows `WITH page AS (…)`). */
export interface PageSource<F> {
  tenant: Tenant;
  filters: F;
  axis: Axis;
  view: View;
}

/** A list, declared once: what the engine needs to walk it, as a page or as an export. */
export interface Listing<F extends ListFilters, Raw, R = Raw, T extends ListedTable = ListedTable> {
  /** What cursors are bound to besides the filters (lib/paging.ts): the list's and its export's. */
  scope: string;
  /** The feed's name (metrics, the export's file name). */
  feed: FeedName;
  /** The prefix of the page's prepared statements (lib/stable-plan.ts). */
  prepare: string;
  table: T;
  alias: string;
  /** The axes' columns: `updated` (the change feed, the default) and at most one other, chosen by its `_from`/`_to`. */
  axes: { updated: "updated_at" } & Record<string, keyof DB[T] & string>;
  /** Limit to the key's stores too (a table with a location_id). */
  locations: boolean;
  /**
   * `ids`: the page sub-select keeps only (id, at), and the body fetches each row by id (an index-only
   * walk of the keyset index); `rows`: it keeps whole rows (`alias.*`), which the body reads as `page alias`.
   */
  pick: "ids" | "rows";
  /** The filters as conditions on `alias` (besides the merchant, the time range and the keyset); falsy: not given. */
  conditions(filters: F, tenant: Tenant): (RawBuilder<SqlBool> | false | "" | undefined)[];
  /** The statement's SELECT over the CTE `page`, in the page's order. */
  body(source: PageSource<F>): RawBuilder<Raw>;
  /** The rows as the list's rows (default: as they are). */
  rows?(raw: Raw[], axis: Axis): R[];
  positionOf(row: R, axis: Axis): TimeId;
}

/** A window on a list's order: the rows after `after`, below `upper`, `take` of them. */
export interface Window {
  after: TimeId | null;
  /** Exclusive upper bound on the axis: the feed's horizon, or the client's `<axis>_to`. */
  upper: string | null;
  take: number;
}

/** A time range bound of the filters (`<axis>_from`, `<axis>_to`). */
const instant = (filters: ListFilters, name: string) =>
  (filters as Record<string, unknown>)[name] as InstantText | undefined;

/** The axis the filters choose: the one whose range is given, otherwise the change feed. */
export function axisOf<F extends ListFilters, T extends ListedTable>(
  listing: Listing<F, unknown, unknown, T>,
  filters: F,
): Axis {
  const name =
    Object.keys(listing.axes).find(
      (axis) => axis !== "updated" && (instant(filters, `${axis}_from`) || instant(filters, `${axis}_to`)),
    ) ?? "updated";
  return { name, feed: name === "updated", column: `${listing.alias}.${listing.axes[name]}` };
}

/** The page's statement: the keyset sub-select, then the resource's rendering of it. */
export function pageStatement<F extends ListFilters, Raw, R, T extends ListedTable>(
  listing: Listing<F, Raw, R, T>,
  tenant: Tenant,
  filters: F,
  window: Window & { axis: Axis; view: View },
): Statement<Raw> {
  const { alias, table } = listing;
  const { axis } = window;
  const at = sql.raw(axis.column);
  const id = sql.raw(`${alias}.id`);
  // The merchant and the time bounds hidden from the planner, so a warm connection keeps one plan (lib/stable-plan.ts).
  const where: RawBuilder<SqlBool>[] = [tenant.where(alias, { opaque: true, locations: listing.locations })];
  const conditions = listing.conditions(filters, tenant).filter((condition) => !!condition);
  where.push(...conditions);
  const from = instant(filters, `${axis.name}_from`);
  if (from) where.push(sql<SqlBool>`${at} >= ${opaque(from, "timestamptz")}`);
  if (window.after) {
    const [time, after] = window.after;
    where.push(sql<SqlBool>`(${at}, ${id}) > (${opaque(time, "timestamptz")}, ${opaque(after, "uuid")})`);
  }
  if (window.upper) where.push(sql<SqlBool>`${at} < ${opaque(window.upper, "timestamptz")}`);

  const picked = listing.pick === "ids" ? sql`${id}, ${at} AS at` : sql.raw(`${alias}.*`);
  const order = sql.raw(listing.pick === "ids" ? "at" : listing.axes[axis.name]!);
  const statement = sql<Raw>`WITH page AS (
  SELECT * FROM (
    SELECT ${picked}
    FROM ${sql.raw(table)} ${sql.raw(alias)}
    ${conditions.length === 0 ? walkInOrder : sql``}
    WHERE ${sql.join(where, sql`\n      AND `)}
    ORDER BY ${at}, ${id}
    LIMIT ${sql.raw(String(rowsBound(window.take)))}
  ) bounded
  ORDER BY ${order}, id
  LIMIT ${window.take}::int
)
${listing.body({ tenant, filters, axis, view: window.view })}`;
  return tenantStatement(tenant, statement, { prepare: listing.prepare });
}

/** One walk of a list with given filters: what a page and an export both need. */
export interface Walk<Raw, R> {
  axis: Axis;
  /** The feed's name (metrics, the export's file name). */
  feed: FeedName;
  /** What the cursors are bound to (lib/paging.ts). */
  fingerprint: string;
  /** The change-time axis and the client's updated_to (the horizon caps it); null on another axis. */
  updatedTo: InstantText | undefined | null;
  /** The statement of the rows in `window` (upper: the horizon on the feed; null: the filters' `<axis>_to`). */
  statement(window: Window): Statement<Raw>;
  /** The statement's rows as the list's rows. */
  rows(raw: Raw[]): R[];
  positionOf(row: R): TimeId;
}

export function walkOf<F extends ListFilters, Raw, R, T extends ListedTable>(
  listing: Listing<F, Raw, R, T>,
  tenant: Tenant,
  filters: F,
  view: View,
): Walk<Raw, R> {
  const axis = axisOf(listing, filters);
  const to = instant(filters, `${axis.name}_to`) ?? null;
  return {
    axis,
    feed: listing.feed,
    fingerprint: filterFingerprint(listing.scope, tenant, filters as Record<string, unknown>),
    updatedTo: axis.feed ? instant(filters, "updated_to") : null,
    statement: (window) =>
      pageStatement(listing, tenant, filters, { ...window, upper: window.upper ?? to, axis, view }),
    rows: (raw) => (listing.rows ? listing.rows(raw, axis) : (raw as unknown as R[])),
    positionOf: (row) => listing.positionOf(row, axis),
  };
}

/** A list's page: complete_through on the change feed (its horizon), null on another axis. */
export type ListPage<T> = Page<T> & { complete_through: string | null };

export interface PageRequest<F> {
  secret: string;
  tenant: Tenant;
  filters: F;
  limit: number;
  cursor: string | undefined;
  format: RecordFormat;
  /** The feed's horizon if this request read it already (with its key: AuthContext.feedHorizon). */
  horizon?: Horizon;
  /** View.keptLines. */
  keptLines?: boolean;
}

/** Reads a page of a list: the cursor checked, the horizon read (feed), limit + 1 rows, the page assembled. */
export async function readPage<F extends ListFilters, Raw, R, T, Table extends ListedTable>(
  db: Db,
  listing: Listing<F, Raw, R, Table>,
  request: PageRequest<F>,
  render: (row: R) => T,
  /** Sees each of the statement's rows (limit + 1 at most) as it arrives (db/sql.ts runEach). */
  each?: (row: Raw, index: number) => void,
): Promise<ListPage<T>> {
  const walk = walkOf(listing, request.tenant, request.filters, {
    format: request.format,
    oneLine: false,
    ...(request.keptLines ? { keptLines: true } : {}),
  });
  const cursorFor = (position: (string | number)[]) => encodeCursor(request.secret, walk.fingerprint, position);
  const after = request.cursor ? timeIdPosition(decodeCursor(request.secret, walk.fingerprint, request.cursor)) : null;
  // Read before the page's statement, so the page's snapshot is taken after the horizon (sync-feed.ts).
  const bounds =
    walk.updatedTo !== null ? await feedBounds(db.pool, walk.updatedTo, walk.feed, request.horizon, after) : null;
  const statement = walk.statement({ after, upper: bounds?.upper ?? null, take: request.limit + 1 });
  const raw = each ? await runEach(db.pool, statement, each) : await run(db.pool, statement);
  const page = toPage(walk.rows(raw), request.limit, walk.positionOf, render, cursorFor);
  return bounds ? toFeedPage(page, bounds, cursorFor, after) : { ...page, complete_through: null };
}
