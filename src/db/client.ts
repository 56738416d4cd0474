// One pg pool per process. Every statement of the service runs on it, typed (src/db/sql.ts). Prisma's
// client is for commands and test factories only (README, Development): it is made on first use,
// over the same pool, so a process serving requests never loads it (its first query loads ~60 MB).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { watchPool } from "../metrics/pool.js";
import { ChannelListener } from "./listener.js";

export interface Db {
  /** Prisma's client, made on first use: commands and test factories, never a request. */
  readonly prisma: PrismaClient;
  pool: pg.Pool;
  /**
   * The listener of a notification channel: one dedicated connection per channel, outside the pool,
   * connected on its first start() (db/listener.ts) and ended by close().
   */
  listener(channel: string): ChannelListener;
  close(): Promise<void>;
}

export interface DbOptions {
  url: string;
  poolMax?: number;
  statementTimeoutMs?: number;
  /** How long an unused connection stays open (0: for ever); absent: pg's 10 s (commands and tests). */
  idleTimeoutMs?: number;
}

// NUMERIC (1700) stays a string: money is exact, never a float.
pg.types.setTypeParser(1700, (v) => v);
// INT8 (20) as string too; counts that need a number are cast in SQL.

export function createDb({ url, poolMax = 10, statementTimeoutMs, idleTimeoutMs }: DbOptions): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    // A connection keeps its prepared statements and their generic plans (lib/stable-plan.ts) only while it
    // lives: closed after pg's default 10 s idle, every poll of a feed polled every few minutes would start on
    // a new connection and plan its statements again (the first five runs of each are custom-planned).
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMillis: idleTimeoutMs } : {}),
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
  let prisma: PrismaClient | undefined;
  const listeners = new Map<string, ChannelListener>();
  return {
    get prisma() {
      prisma ??= new PrismaClient({ adapter: new PrismaPg(pool) });
      return prisma;
    },
    pool,
    listener(channel) {
      const listener = listeners.get(channel) ?? new ChannelListener(url, channel);
      listeners.set(channel, listener);
      return listener;
    },
    async close() {
      unwatch();
      await Promise.all([...listeners.values()].map((listener) => listener.close()));
      await prisma?.$disconnect();
      await pool.end();
    },
  };
}
