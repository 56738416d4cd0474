// The database pool's gauges, read at each scrape from the pools this process opened (createDb
// watches each until it is closed; a server has one).
import type pg from "pg";
import { dbPoolConnections, dbPoolMax, dbPoolWaiting } from "./registry.js";

const pools = new Set<pg.Pool>();

/** Counts the pool in the gauges; returns the function that stops counting it. */
export function watchPool(pool: pg.Pool): () => void {
  pools.add(pool);
  return () => void pools.delete(pool);
}

export function samplePools(): void {
  let total = 0;
  let idle = 0;
  let waiting = 0;
  let max = 0;
  for (const pool of pools) {
    total += pool.totalCount;
    idle += pool.idleCount;
    waiting += pool.waitingCount;
    max += pool.options.max ?? 10;
  }
  dbPoolConnections.set({ state: "total" }, total);
  dbPoolConnections.set({ state: "idle" }, idle);
  dbPoolWaiting.set(waiting);
  dbPoolMax.set(max);
}
