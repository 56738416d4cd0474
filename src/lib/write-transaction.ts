// One database transaction per write, on one pooled connection: a receipt and its lines land
// together or not at all. A deadlock or serialization failure rolls back everything the attempt
// did, so the attempt is simply run again (PostgreSQL picks one victim; retrying it is the
// documented remedy). Anything else is rolled back and thrown.
import { sql } from "kysely";
import type pg from "pg";
import { execute, reviewedStatement } from "../db/sql.js";
import { transactionRetries } from "../metrics/registry.js";

// Writes this process has ended (committed, or possibly): a reused feed horizon must have been read
// after every one of them, so that a client that writes through this instance reads its write back at
// once (lib/recent-horizon.ts). Every write of a request ends in one of the two functions below.
let writesEnded = 0;

/** How many writes this process has ended so far: moves after each one's COMMIT (or failure). */
export const writesEndedSoFar = () => writesEnded;

/** SQLSTATEs after which re-running the whole transaction is safe and expected to succeed. */
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 5;

/** Thrown by a transaction body to roll back and run the body again (e.g. it lost an insert race). */
export class RetryTransaction extends Error {
  constructor() {
    super("retry the transaction");
  }
}

/** BEGIN, COMMIT and ROLLBACK: transaction control, which touches no table. */
const control = (client: pg.PoolClient, command: "BEGIN" | "COMMIT" | "ROLLBACK") =>
  execute(client, reviewedStatement("no-tenant-table", sql.raw(command)));

export async function withTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // Set when ROLLBACK itself failed: the connection is in an unknown state and must not go back to the pool.
  let broken: Error | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      await control(client, "BEGIN");
      try {
        const result = await body(client);
        await control(client, "COMMIT");
        return result;
      } catch (err) {
        try {
          await control(client, "ROLLBACK");
        } catch (rollbackError) {
          broken = rollbackError as Error;
          throw err;
        }
        if (!(err instanceof RetryTransaction || retryable(err)) || attempt >= ATTEMPTS) throw err;
        countRetry(err);
      }
    }
  } finally {
    // After the COMMIT's answer (or an error, after which the write may have committed all the same).
    writesEnded++;
    client.release(broken);
  }
}

const retryable = (err: unknown) => RETRYABLE.has((err as { code?: string }).code ?? "");
const countRetry = (err: unknown) => {
  const code = (err as { code?: string }).code;
  transactionRetries.inc({
    reason: code === "40001" ? "serialization_failure" : code === "40P01" ? "deadlock" : "lost_race",
  });
};

/**
 * Runs a single statement outside BEGIN (its own transaction, e.g. one call of a SQL function that
 * does a whole write) again after a deadlock or serialization failure, as withTransaction does.
 */
export async function withStatementRetries<T>(statement: () => Promise<T>): Promise<T> {
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await statement();
      } catch (err) {
        if (!retryable(err) || attempt >= ATTEMPTS) throw err;
        countRetry(err);
      }
    }
  } finally {
    writesEnded++;
  }
}

/** What a create-or-replace write did: `unchanged` writes leave the record and its change time as they were. */
export type WriteResult = "created" | "updated" | "unchanged";
