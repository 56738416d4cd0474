// `COPY … TO STDOUT` on a pg client, its bytes handed over as pg's own protocol parser reads them:
// each CopyData message's payload is a view of the parser's buffer, passed to `take` at once (to be
// copied out before it returns), so nothing is allocated per message but that view. Why not
// pg-copy-streams (which the bench and the seeder use): it takes the socket's data away from pg and
// copies it into new buffers on the way (a concatenation per socket read, and another in its stream),
// and that garbage outside the JS heap made V8 run a full collection every few MB of an export
// (measured on Node 24: 3 s of garbage collection per 100,000 records, the server's peak RSS over
// 200 MB). Through pg's parser, the only per-read buffer is the socket's own.
// `take` may ask for a pause (a slow reader downstream): the connection's socket stops being read, as
// pg-copy-streams does it, so PostgreSQL waits on a full socket instead of Node gathering the answer.
import type pg from "pg";

/** pg's Connection as a submitted statement sees it: `stream` is its socket (pg-copy-streams pauses it too). */
type Connection = { query(text: string): void; stream: { pause(): void; resume(): void } };

/** What `take` may return to pause the answer: it is read on once the promise settles (anything else: go on). */
export type Take = (bytes: Buffer) => unknown;

/** A statement pg runs as any other (pg.Submittable), answered with CopyOutResponse, CopyData…, CopyDone. */
class CopyOut {
  private settled = false;
  private connection: Connection | null = null;
  /** Pauses asked for and not yet over. */
  private held = 0;

  constructor(
    readonly text: string,
    private readonly take: Take,
    private readonly settle: (error: Error | null, rows: number) => void,
  ) {}

  private rows = 0;
  private failure: Error | null = null;

  submit(connection: Connection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.failure) return;
    try {
      const wait = this.take(message.chunk);
      if (wait instanceof Promise) this.hold(wait);
    } catch (error) {
      // The rest of the answer still comes (and is dropped); the statement fails when it ends.
      this.failure = error as Error;
    }
  }

  /**
   * The socket is no longer read until `wait` settles. The messages already in the piece being parsed still come
   * (the statement may even end in it), so a pause never outlives the statement: its end reads on at once.
   */
  private hold(wait: Promise<unknown>): void {
    if (this.settled) return;
    if (this.held++ === 0) this.connection?.stream.pause();
    const over = () => {
      if (--this.held === 0 && !this.settled) this.connection?.stream.resume();
    };
    wait.then(over, over);
  }

  handleCommandComplete(message: { text: string }): void {
    this.rows = Number(/^COPY (\d+)/.exec(message.text)?.[1] ?? 0);
  }

  /** The statement's end: ReadyForQuery. */
  handleReadyForQuery(): void {
    this.done(this.failure, this.rows);
  }

  /** PostgreSQL's error (ReadyForQuery follows), or the connection's (nothing follows): the statement failed. */
  handleError(error: Error): void {
    this.done(error, 0);
  }

  // Answers a COPY TO never gets; a statement that is not one fails instead of being misread.
  handleRowDescription(): void {
    this.failure ??= new Error("copyOut() ran a statement that is not COPY … TO STDOUT");
  }
  handleDataRow(): void {}
  handleEmptyQuery(): void {
    this.handleRowDescription();
  }
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {
    this.handleRowDescription();
  }

  private done(error: Error | null, rows: number): void {
    if (this.settled) return;
    this.settled = true;
    // The connection goes back to the pool reading, whatever pauses were still asked for.
    if (this.held > 0) this.connection?.stream.resume();
    this.settle(error, rows);
  }
}

/**
 * Runs `text` (a `COPY … TO STDOUT`) on `client`, calling `take` with each piece of its bytes in
 * order (a view, valid only during the call); when `take` returns a promise, no more is read until it
 * settles. Resolves with the rows copied once the statement has ended; rejects with PostgreSQL's error
 * (or the connection's, or what `take` threw).
 */
export function copyOut(client: pg.PoolClient, text: string, take: Take): Promise<number> {
  return new Promise((resolve, reject) => {
    const copy = new CopyOut(text, take, (error, rows) => (error ? reject(error) : resolve(rows)));
    client.query(copy as unknown as pg.Submittable);
  });
}
