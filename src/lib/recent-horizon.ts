// The feed's horizon, read by one request, reused by the feed requests that start shortly after it.
//
// Why a horizon read earlier is sound for a later page (lib/sync-feed.ts has the horizon's own
// argument): a writer invisible to the later page's snapshot either held a transaction id when the
// horizon was read, so it started at or after the horizon, or took its id later and reads the clock
// later still. Every row below the horizon stays committed for every later snapshot: reusing it only
// makes the feed trail by the horizon's age, never lose a row.
//
// What bounds that age: FEED_HORIZON_REUSE_MS (a window from the horizon's reading), and this
// process's own writes: a horizon is not reused once a write through this process ended after its
// reading began (lib/write-transaction.ts counts them), so a client that writes through this
// instance and reads back sees its write at once, as with a horizon read for its request.

import type { Horizon } from "./sync-feed.js";
import { writesEndedSoFar } from "./write-transaction.js";

/** Taken just before a statement that reads the horizon is sent. */
export interface HorizonReading {
  /** When it was sent (performance.now() ms): the horizon is at least this old from then on. */
  at: number;
  /** writesEndedSoFar() then. */
  writes: number;
}

export class RecentHorizon {
  #latest: (Horizon & HorizonReading) | null = null;

  constructor(
    /** FEED_HORIZON_REUSE_MS: how long after its reading a horizon is reused; 0: never. */
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Call just before sending a statement that reads the horizon; give its answer to remember(). */
  begin(): HorizonReading {
    return { at: this.now(), writes: writesEndedSoFar() };
  }

  /** Keeps the horizon read from `reading`, unless a later reading is already kept. */
  remember(reading: HorizonReading, horizon: Horizon): void {
    if (this.windowMs <= 0 || (this.#latest && this.#latest.at > reading.at)) return;
    this.#latest = { ...horizon, ...reading };
  }

  /**
   * The kept horizon if it was read less than the window ago and after every write this process
   * ended; its lag grown by its age (how far a page served with it trails now).
   */
  fresh(): Horizon | undefined {
    const latest = this.#latest;
    if (!latest || latest.writes !== writesEndedSoFar()) return undefined;
    const age = this.now() - latest.at;
    if (age >= this.windowMs) return undefined;
    return { horizon: latest.horizon, lagSeconds: latest.lagSeconds + age / 1000, reused: true };
  }
}
