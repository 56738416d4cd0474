// Verified keys kept in the process, so that a warm request does not read its key from PostgreSQL.
// What is kept, by prefix (never the key itself): the key's row as authentication reads it — its hash,
// still compared on every request, and its revocation and expiry, still compared with now on every
// request — and, for a pos:write key, the stores it may write to.
//
// Why a kept row cannot outlive a change to it: PostgreSQL notifies the channel pos_bridge_keys when
// a change to api_keys (any column but last_used_at) or to locations commits (migration
// 20261205100000_key_cache_notifications), and every notification empties the cache. It is heard on a
// dedicated connection (db/listener.ts); the cache is used only while that connection LISTENs, and
// emptied whenever it is lost (a notification may have been missed) or listens again.
// - A generation counter, moved by each of those events, guards the fill race: a lookup records the
//   generation before it is sent, and its row is kept only if none moved it meanwhile. A change that
//   committed after the lookup's snapshot is heard after that commit, so either before the row is kept
//   (the generation moved: not kept) or after (the row is dropped).
// - A key not found is never kept: a key made a moment ago works at once.
// - A TTL bounds how long a row is kept even so, should a notification ever be lost unnoticed.
import { EventEmitter } from "node:events";
import type { ChannelListener } from "../db/listener.js";
import type { WritableLocation } from "../lib/locations.js";
import type { KeyLookupRow } from "./queries.js";

/** The channel the migration's triggers notify. */
export const KEY_CACHE_CHANNEL = "pos_bridge_keys";

/** A kept key: its row less last_used_at (remembered apart) and the horizon; a pos:write key's stores. */
export type CachedKey = Omit<KeyLookupRow, "last_used_at" | "writable_locations" | "horizon" | "lag_seconds"> & {
  writable_locations?: WritableLocation[];
};

/** Past this many kept keys the cache starts again (keys are few; a bound all the same). */
const MOST_KEYS = 10_000;

export interface KeyCacheEvents {
  /** The cache was emptied: a notification, the listener lost, or listening again. */
  invalidated: [];
}

export class KeyCache extends EventEmitter<KeyCacheEvents> {
  readonly #entries = new Map<string, { key: CachedKey; keptAt: number }>();
  #generation = 0;

  constructor(
    private readonly listener: Pick<ChannelListener, "listening" | "on">,
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    super();
    const invalidate = () => {
      this.#generation++;
      this.#entries.clear();
      this.emit("invalidated");
    };
    listener.on("notification", invalidate);
    listener.on("lost", invalidate);
    listener.on("listening", invalidate);
  }

  /** The kept key of this prefix, while the listener listens and the TTL has not run out. */
  get(prefix: string): CachedKey | undefined {
    if (!this.listener.listening) return undefined;
    const entry = this.#entries.get(prefix);
    if (!entry) return undefined;
    if (this.now() - entry.keptAt >= this.ttlMs) {
      this.#entries.delete(prefix);
      return undefined;
    }
    return entry.key;
  }

  /** Call before a lookup is sent; pass what it answers to keep(). Null: nothing may be kept now. */
  begin(): number | null {
    return this.listener.listening ? this.#generation : null;
  }

  /** Keeps a verified key read by a lookup that began at `generation`, unless the cache was emptied since. */
  keep(prefix: string, generation: number | null, key: CachedKey): void {
    if (generation === null || generation !== this.#generation || !this.listener.listening) return;
    if (this.#entries.size >= MOST_KEYS) this.#entries.clear();
    this.#entries.set(prefix, { key, keptAt: this.now() });
  }

  /** Whether a key of this prefix is kept (tests). */
  has(prefix: string): boolean {
    return this.#entries.has(prefix);
  }
}
