// express-rate-limit's Store on PostgreSQL (RATE_LIMIT_STORE=postgres): the counters live in
// rate_limit_counters, so every instance behind a load balancer spends the same budgets. One fixed
// window per key, counted by the database's clock (instances' clocks may differ). Each hit is one
// atomic upsert, so concurrent requests on several instances never lose a count.
import type pg from "pg";
import type { ClientRateLimitInfo, Options, Store } from "express-rate-limit";

interface CounterRow {
  hits: number;
  reset_at: Date;
}

const toInfo = (row: CounterRow): ClientRateLimitInfo => ({ totalHits: row.hits, resetTime: row.reset_at });

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
    const { rows } = await this.pool.query<CounterRow>(
      "SELECT hits, reset_at FROM rate_limit_counters WHERE key = $1 AND reset_at > now()",
      [this.prefix + key],
    );
    return rows[0] ? toInfo(rows[0]) : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    // A row whose window has ended starts a new one (hits = 1) instead of counting on.
    const { rows } = await this.pool.query<CounterRow>(
      `INSERT INTO rate_limit_counters AS c (key, hits, reset_at)
       VALUES ($1, 1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         hits     = CASE WHEN c.reset_at <= now() THEN 1 ELSE c.hits + 1 END,
         reset_at = CASE WHEN c.reset_at <= now() THEN EXCLUDED.reset_at ELSE c.reset_at END
       RETURNING hits, reset_at`,
      [this.prefix + key, this.windowMs],
    );
    return toInfo(rows[0]!);
  }

  async decrement(key: string): Promise<void> {
    await this.pool.query(
      "UPDATE rate_limit_counters SET hits = hits - 1 WHERE key = $1 AND hits > 0 AND reset_at > now()",
      [this.prefix + key],
    );
  }

  async resetKey(key: string): Promise<void> {
    await this.pool.query("DELETE FROM rate_limit_counters WHERE key = $1", [this.prefix + key]);
  }

  async resetAll(): Promise<void> {
    await this.pool.query("DELETE FROM rate_limit_counters WHERE starts_with(key, $1)", [this.prefix]);
  }

  shutdown(): void {
    clearInterval(this.sweeper);
  }

  private async sweep(): Promise<void> {
    await this.pool.query("DELETE FROM rate_limit_counters WHERE reset_at <= now() AND starts_with(key, $1)", [
      this.prefix,
    ]);
  }
}
