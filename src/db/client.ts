// One pg pool per process, shared by Prisma (through its driver adapter) and by the typed raw SQL
// of hot reads, so both see the same connections and settings.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { watchPool } from "../metrics/pool.js";

export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface DbOptions {
  url: string;
  poolMax?: number;
  statementTimeoutMs?: number;
}

// NUMERIC (1700) stays a string: money is exact, never a float.
pg.types.setTypeParser(1700, (v) => v);
// INT8 (20) as string too; counts that need a number are cast in SQL.

export function createDb({ url, poolMax = 10, statementTimeoutMs }: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // An idle client's error (the server restarting) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  // Nor a checked-out one's: when the server ends a connection under a transaction (restart, crash),
  // pg fails the query in flight and then emits 'error' on the client, which the pool listens to
  // only while the client is idle; unheard, that event was an uncaught exception ending the
  // process. The failed query still rejects (src/lib/problem.ts answers 503) and the broken client
  // is released with its error, so the pool discards it.
  pool.on("connect", (client) => client.on("error", () => {}));
  const unwatch = watchPool(pool);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      unwatch();
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
