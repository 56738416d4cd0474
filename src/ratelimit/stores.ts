// Where the limiter's counters live. memory (the default): in this process, exact for one
// instance. postgres: the rate_limit_counters table, shared by every instance that uses the same
// database — set RATE_LIMIT_STORE=postgres as soon as more than one instance serves, or each would
// grant the full budget again. (Another shared store, e.g. Redis through rate-limit-redis, plugs in
// here the same way: anything implementing express-rate-limit's Store with get().)
import { MemoryStore, type Options, type Store } from "express-rate-limit";
import type pg from "pg";
import { PostgresStore } from "./postgres-store.js";

export type StoreKind = "memory" | "postgres";

/** A store that can also read a count without adding to it (the failed-authentication guard needs that). */
export type ReadableStore = Store & Required<Pick<Store, "get" | "init">>;

export function createStore(kind: StoreKind, pool: pg.Pool, name: string): ReadableStore {
  return kind === "postgres" ? new PostgresStore(pool, name) : new MemoryStore();
}

/**
 * Starts a store used outside express-rate-limit's middleware (which otherwise calls init itself).
 * Stores read only `windowMs` from the options.
 */
export function initStore(store: ReadableStore, windowMs: number): ReadableStore {
  void store.init({ windowMs } as Options);
  return store;
}
