// express-rate-limit's Store on PostgreSQL (RATE_LIMIT_STORE=postgres): the counters live in
// rate_limit_counters, so every instance behind a load balancer spends the same budgets. One fixed
// window per key, counted by the database's clock (instances' clocks may differ). Each hit is one
// atomic upsert, so concurrent requests on several instances never lose a count.
import type { ClientRateLimitInfo, Options, Store } from "express-rate-limit";
import { type Compilable, type ExpressionBuilder, sql } from "kysely";
import type pg from "pg";
import { type DB, execute, first, qb, type Row, reviewedStatement } from "../db/sql.js";

// The counters are no merchant's rows: a policy's budget per key prefix or client address.
const counters = <R>(query: Compilable<R>) => reviewedStatement("no-tenant-table", query);
const now = sql<Date>`now()`;
type Counters = ExpressionBuilder<DB, "rate_limit_counters">;
const windowEnded = (eb: Counters) => eb("rate_limit_counters.reset_at", "<=", now);
const inWindow = (eb: Counters) => eb("rate_limit_counters.reset_at", ">", now);
const startsWith = (eb: Counters, prefix: string) => eb.fn<boolean>("starts_with", [eb.ref("key"), eb.val(prefix)]);

const toInfo = (row: Pick<Row<"rate_limit_counters">, "hits" | "reset_at">): ClientRateLimitInfo => ({
  totalHits: row.hits,
  resetTime: row.reset_at,
});

export class PostgresStore implements Store {
  /** Counts are shared between instances (express-rate-limit's double-count check reads this). */
  readonly localKeys = false;
  readonly prefix: string;
  private windowMs = 60_000;
  private sweeper: NodeJS.Timeout | undefined;

  /** `name` keeps the policies apart in the one table: `default:`, `heavy:`, `auth:`. */
  constructor(
    private readonly pool: pg.Pool,
    name: string,
  ) {
    this.prefix = `${name}:`;
  }

  init(options: Pick<Options, "windowMs">): void {
    this.windowMs = options.windowMs;
    // Expired windows are dead weight: drop them once a window. Every instance does it; the
    // DELETE is idempotent and finds its rows through the reset_at index.
    clearInterval(this.sweeper);
    this.sweeper = setInterval(() => void this.sweep().catch(() => {}), this.windowMs);
    this.sweeper.unref();
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await first(
      this.pool,
      counters(
        qb
          .selectFrom("rate_limit_counters")
          .select(["hits", "reset_at"])
          .where("key", "=", this.prefix + key)
          .where(inWindow),
      ),
    );
    return row ? toInfo(row) : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    // A row whose window has ended starts a new one (hits = 1) instead of counting on.
    const upsert = qb
      .insertInto("rate_limit_counters")
      .values({
        key: this.prefix + key,
        hits: 1,
        reset_at: sql<Date>`now() + ${this.windowMs} * interval '1 millisecond'`,
      })
      .onConflict((conflict) =>
        conflict.column("key").doUpdateSet((eb) => ({
          hits: eb
            .case()
            .when(windowEnded(eb))
            .then(1)
            .else(eb("rate_limit_counters.hits", "+", 1))
            .end(),
          reset_at: eb
            .case()
            .when(windowEnded(eb))
            .then(eb.ref("excluded.reset_at"))
            .else(eb.ref("rate_limit_counters.reset_at"))
            .end(),
        })),
      )
      .returning(["hits", "reset_at"]);
    return toInfo((await first(this.pool, counters(upsert)))!);
  }

  async decrement(key: string): Promise<void> {
    await execute(
      this.pool,
      counters(
        qb
          .updateTable("rate_limit_counters")
          .set((eb) => ({ hits: eb("hits", "-", 1) }))
          .where("key", "=", this.prefix + key)
          .where("hits", ">", 0)
          .where(inWindow),
      ),
    );
  }

  async resetKey(key: string): Promise<void> {
    await execute(this.pool, counters(qb.deleteFrom("rate_limit_counters").where("key", "=", this.prefix + key)));
  }

  async resetAll(): Promise<void> {
    await execute(this.pool, counters(qb.deleteFrom("rate_limit_counters").where((eb) => startsWith(eb, this.prefix))));
  }

  shutdown(): void {
    clearInterval(this.sweeper);
  }

  private async sweep(): Promise<void> {
    await execute(
      this.pool,
      counters(
        qb.deleteFrom("rate_limit_counters").where((eb) => eb.and([windowEnded(eb), startsWith(eb, this.prefix)])),
      ),
    );
  }
}
