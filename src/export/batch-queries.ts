// The statements of one export, one batch at a time, each on a connection taken from the pool for
// that statement only (a slow client holds no connection while the server waits for it to read),
// and cancellable: when the client goes away, the statement in flight is cancelled in PostgreSQL
// (pg_cancel_backend) instead of running on for nobody.
import { createHash } from "node:crypto";
import type pg from "pg";

/** The backend pid of each pooled connection, read once per connection (needed to cancel on it). */
const backendPids = new WeakMap<pg.PoolClient, number>();

async function backendPid(client: pg.PoolClient): Promise<number> {
  let pid = backendPids.get(client);
  if (pid === undefined) {
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    pid = rows[0]!.pid;
    backendPids.set(client, pid);
  }
  return pid;
}

/**
 * The rows of a statement, through pg's callback API. Why not its promise API: measured, the result
 * of a promise-API query on a pooled client stays reachable until that client runs its next
 * statement, so a batch's rows outlived several young-generation collections and were promoted: the
 * heap grew by 100+ MB between full collections during an export. With the callback, they die young.
 */
function rowsOf<R extends pg.QueryResultRow>(
  client: pg.PoolClient,
  query: { text: string; values: unknown[] },
): Promise<R[]> {
  return new Promise((resolve, reject) => {
    client.query<R>({ name: statementName(query.text), text: query.text, values: query.values }, (error, result) =>
      error ? reject(error) : resolve(result.rows),
    );
  });
}

/**
 * A prepared statement per distinct SQL text (an export runs the same text batch after batch, with
 * new values): PostgreSQL parses it once per connection and, after a few runs, reuses a generic
 * plan. Measured on a page of 500 receipts: planning took ~12 ms of ~47; prepared, a batch took ~36.
 */
const statementName = (text: string) => `export_${createHash("sha256").update(text).digest("base64url").slice(0, 22)}`;

/** Thrown by `run` once `stop` was called: the export is over, nobody wants the rows. */
export class ExportStopped extends Error {
  constructor() {
    super("The export stopped (the client went away).");
    this.name = "ExportStopped";
  }
}

export class BatchQueries {
  private stopped = false;
  private inFlight: { pid: number; cancel: Promise<unknown> | null } | null = null;

  constructor(private readonly pool: pg.Pool) {}

  async run<R extends pg.QueryResultRow>(query: { text: string; values: unknown[] }): Promise<R[]> {
    if (this.stopped) throw new ExportStopped();
    const client = await this.pool.connect();
    let cancelled: Promise<unknown> | null = null;
    try {
      const pid = await backendPid(client);
      if (this.stopped) throw new ExportStopped();
      const flight = { pid, cancel: null as Promise<unknown> | null };
      this.inFlight = flight;
      try {
        return await rowsOf<R>(client, query);
      } catch (error) {
        if (this.stopped) throw new ExportStopped();
        throw error;
      } finally {
        this.inFlight = null;
        cancelled = flight.cancel;
      }
    } finally {
      if (cancelled) {
        // The cancel may land after the statement ended: wait for it, and do not hand this
        // connection to another request (a late cancel must never hit someone else's statement).
        await cancelled;
        client.release(true);
      } else {
        client.release();
      }
    }
  }

  /** No statement starts after this; the one in flight, if any, is cancelled. */
  stop(): void {
    this.stopped = true;
    const flight = this.inFlight;
    // A failed cancel changes nothing: the statement then just runs to its end (or statement_timeout).
    if (flight && !flight.cancel)
      flight.cancel = this.pool.query("SELECT pg_cancel_backend($1)", [flight.pid]).catch(() => {});
  }
}
