// One database transaction per write, on one pooled connection: a receipt and its lines land
// together or not at all. A deadlock or serialization failure rolls back everything the attempt
// did, so the attempt is simply run again (PostgreSQL picks one victim; retrying it is the
// documented remedy). Anything else is rolled back and thrown.
import type pg from "pg";
import { transactionRetries } from "../metrics/registry.js";

/** SQLSTATEs after which re-running the whole transaction is safe and expected to succeed. */
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 5;

/** Thrown by a transaction body to roll back and run the body again (e.g. it lost an insert race). */
export class RetryTransaction extends Error {
  constructor() {
    super("retry the transaction");
  }
}

export async function withTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // Set when ROLLBACK itself failed: the connection is in an unknown state and must not go back to the pool.
  let broken: Error | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      await client.query("BEGIN");
      try {
        const result = await body(client);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackError) {
          broken = rollbackError as Error;
          throw err;
        }
        const code = (err as { code?: string }).code;
        const retry = err instanceof RetryTransaction || (code !== undefined && RETRYABLE.has(code));
        if (!retry || attempt >= ATTEMPTS) throw err;
        transactionRetries.inc({ reason: code === "40001" ? "serialization_failure" : code === "40P01" ? "deadlock" : "lost_race" });
      }
    }
  } finally {
    client.release(broken);
  }
}

/** What a create-or-replace write did: `unchanged` writes leave the record and its change time as they were. */
export type WriteResult = "created" | "updated" | "unchanged";
