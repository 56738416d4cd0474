// `COPY … TO STDOUT` on a pg client, its bytes handed over as pg's own protocol parser reads them:
// each CopyData message's payload is a view of the parser's buffer, passed to `take` at once (to be
// copied out before it returns), so nothing is allocated per message but that view. Why not
// pg-copy-streams (which the bench and the seeder use): it takes the socket's data away from pg and
// copies it into new buffers on the way (a concatenation per socket read, and another in its stream),
// and that garbage outside the JS heap made V8 run a full collection every few MB of an export
// (measured on Node 24: 3 s of garbage collection per 100,000 records, the server's peak RSS over
// 200 MB). Through pg's parser, the only per-read buffer is the socket's own.
import type pg from "pg";

type Connection = { query(text: string): void };

/** A statement pg runs as any other (pg.Submittable), answered with CopyOutResponse, CopyData…, CopyDone. */
class CopyOut {
  private settled = false;

  constructor(
    readonly text: string,
    private readonly take: (bytes: Buffer) => void,
    private readonly settle: (error: Error | null, rows: number) => void,
  ) {}

  private rows = 0;
  private failure: Error | null = null;

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.failure) return;
    try {
      this.take(message.chunk);
    } catch (error) {
      // The rest of the answer still comes (and is dropped); the statement fails when it ends.
      this.failure = error as Error;
    }
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
    this.settle(error, rows);
  }
}

/**
 * Runs `text` (a `COPY … TO STDOUT`) on `client`, calling `take` with each piece of its bytes in
 * order (a view, valid only during the call). Resolves with the rows copied once the statement has
 * ended; rejects with PostgreSQL's error (or the connection's, or what `take` threw).
 */
export function copyOut(client: pg.PoolClient, text: string, take: (bytes: Buffer) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const copy = new CopyOut(text, take, (error, rows) => (error ? reject(error) : resolve(rows)));
    client.query(copy as unknown as pg.Submittable);
  });
}
