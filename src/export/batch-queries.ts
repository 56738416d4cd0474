// The statements of one export, one batch at a time, each on a connection taken from the pool for
// that statement only (a slow client holds no connection while the server waits for it to read),
// and cancellable: when the client goes away, the statement in flight is cancelled in PostgreSQL
// (pg_cancel_backend) instead of running on for nobody.
import { sql } from "kysely";
import type pg from "pg";
import { copyOut, type Take } from "../db/copy-out.js";
import { type Executor, first, pgCopy, reviewedStatement, run, type Statement } from "../db/sql.js";

/** The backend pid of each pooled connection, read once per connection (needed to cancel on it). */
const backendPids = new WeakMap<pg.PoolClient, number>();

async function backendPid(client: pg.PoolClient): Promise<number> {
  let pid = backendPids.get(client);
  if (pid === undefined) {
    const row = await first(
      client,
      reviewedStatement("no-tenant-table", sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`),
    );
    pid = row!.pid;
    backendPids.set(client, pid);
  }
  return pid;
}

/**
 * A client whose statements run through pg's callback API. Why not its promise API: measured, the
 * result of a promise-API query on a pooled client stays reachable until that client runs its next
 * statement, so a batch's rows outlived several young-generation collections and were promoted: the
 * heap grew by 100+ MB between full collections during an export. With the callback, they die young.
 * The statements still go through db/sql.ts's run() (the export's statements are prepared, one plan
 * per connection, under the listing's name: db/paging.ts).
 */
const callbackClient = (client: pg.PoolClient): Executor =>
  ({
    query: (config: pg.QueryConfig) =>
      new Promise<pg.QueryResult>((resolve, reject) =>
        client.query(config, (error: Error | undefined, result: pg.QueryResult) =>
          error ? reject(error) : resolve(result),
        ),
      ),
  }) as Executor;

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

  /** The statement's rows, as pg decodes them (CSV, and the exports whose records Node renders). */
  run<R>(statement: Statement<R>): Promise<R[]> {
    return this.onConnection((client) => run(callbackClient(client), statement));
  }

  /**
   * The statement's rows as a binary COPY stream (db/sql.ts's pgCopy: each column's text; db/copy-out.ts),
   * each piece handed to `take` as it arrives and nothing decoded: the NDJSON export's records pass through
   * as bytes. `take` may pause the reading (copyOut). Resolves with the number of rows.
   */
  copy<R>(statement: Statement<R>, columns: readonly (keyof R & string)[], take: Take) {
    return this.onConnection((client) => copyOut(client, pgCopy(statement, columns), take));
  }

  /** Runs `work` on a connection of its own, cancelled in PostgreSQL if the export stops meanwhile. */
  private async onConnection<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.stopped) throw new ExportStopped();
    const client = await this.pool.connect();
    let cancelled: Promise<unknown> | null = null;
    let failed = false;
    try {
      const pid = await backendPid(client);
      if (this.stopped) throw new ExportStopped();
      const flight = { pid, cancel: null as Promise<unknown> | null };
      this.inFlight = flight;
      try {
        return await work(client);
      } catch (error) {
        // Not knowing where a failed COPY left its connection's protocol, it is not handed out again.
        failed = true;
        if (this.stopped) throw new ExportStopped();
        throw error;
      } finally {
        this.inFlight = null;
        cancelled = flight.cancel;
      }
    } finally {
      // The cancel may land after the statement ended: wait for it, and do not hand this
      // connection to another request (a late cancel must never hit someone else's statement).
      if (cancelled) await cancelled;
      client.release(Boolean(cancelled) || failed);
    }
  }

  /** No statement starts after this; the one in flight, if any, is cancelled. */
  stop(): void {
    this.stopped = true;
    const flight = this.inFlight;
    // A failed cancel changes nothing: the statement then just runs to its end (or statement_timeout).
    if (flight && !flight.cancel)
      flight.cancel = run(
        this.pool,
        reviewedStatement("no-tenant-table", sql`SELECT pg_cancel_backend(${flight.pid})`),
      ).catch(() => {});
  }
}
