// The statements node-postgres sends while an action runs. Every statement goes through Client#query
// (pool.query included, BEGIN and COMMIT included) and waits for its answer before the next, so its
// calls are the round trips to PostgreSQL; except a statement sent in pipeline mode while another of
// the same client is still unanswered (db/sql.ts pipelined): it goes out behind that one, in the same
// round trip (roundTripsOf counts it so).
import pg from "pg";
import { vi } from "vitest";

/** The statements sent while `action` ran, whitespace collapsed (`width`: cut to that many characters). */
export async function statementsOf(
  action: () => Promise<unknown>,
  width = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    sent.push(typeof config === "string" ? config : (config.text ?? String(config)));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  try {
    await action();
  } finally {
    vi.restoreAllMocks();
  }
  return sent.map((text) => text.replace(/\s+/g, " ").trim().slice(0, width));
}

/** The round trips while `action` ran: the statements of each, a pipelined one with the trip it joined. */
export async function roundTripsOf(action: () => Promise<unknown>): Promise<string[][]> {
  const trips: string[][] = [];
  const unanswered = new WeakMap<pg.Client, { count: number; trip: string[] }>();
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    const text = (typeof config === "string" ? config : (config.text ?? String(config))).replace(/\s+/g, " ").trim();
    const open = unanswered.get(this);
    const state = open && open.count > 0 && this.pipeline ? open : { count: 0, trip: [] as string[] };
    if (state !== open) {
      trips.push(state.trip);
      unanswered.set(this, state);
    }
    state.trip.push(text.slice(0, 120));
    state.count++;
    const result = (query as (...a: unknown[]) => unknown).apply(this, args);
    const answered = () => {
      state.count--;
    };
    if (result instanceof Promise) result.then(answered, answered);
    else answered();
    return result;
  } as never);
  await action();
  vi.restoreAllMocks();
  return trips;
}
/** Round trips as a failure message shows them. */
export const shown = (trips: string[][]) => trips.map((trip) => trip.join("\n  + ")).join("\n");
