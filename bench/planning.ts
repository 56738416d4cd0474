// Is any statement on a request's path planned per request once the server is warm? After warm-up,
// pg_stat_statements (loaded in the bench's database: bench/dataset.ts, with track_planning) is
// reset, the server answers the same read requests again (pages of 100 and 1,000, the empty poll),
// and every statement run on every request is listed with its executions and plannings. A prepared
// statement whose generic plan is reused is planned 0 times; one planned per execution (an unnamed
// statement, or a prepared one PostgreSQL keeps planning custom) is planned as often as it runs.
//
// Warm means every pooled connection has planned what it runs: PostgreSQL plans a prepared statement
// six times on each connection (five trial custom plans, then the generic one), and the four requests
// of a round run at once, so the pool spreads each statement over several connections (four to seven
// here: counted once with a proxy reading the protocol's Bind messages per connection, outside the
// bench, every plan seen after a fixed ten rounds of warm-up was one of those six on a connection that
// had run the statement fewer times). So rounds go
// on until QUIET_ROUNDS in a row plan nothing, or MAX_WARM_ROUNDS; a statement planned on every run
// never gets quiet, and the rounds measured after show it.
import type { SuiteContext } from "./context.js";
import { pageAt } from "./pages.js";

export interface PlannedStatement {
  query: string;
  calls: number;
  plans: number;
  meanPlanMs: number;
  meanExecMs: number;
}

export interface PlanningResult {
  requests: number;
  /** Rounds of warm-up run before measuring (until QUIET_ROUNDS in a row planned nothing). */
  warmRounds: number;
  /** Statements run at least once per round of requests. */
  statements: PlannedStatement[];
  /** Those planned on more than half of their executions. */
  plannedPerRequest: PlannedStatement[];
}

/** Rounds in a row that plan nothing: the server is warm. */
const QUIET_ROUNDS = 5;
/** Past this many rounds of warm-up, measure anyway. */
const MAX_WARM_ROUNDS = 100;

export async function measurePlanning(ctx: SuiteContext): Promise<PlanningResult> {
  const paths = [
    (await pageAt(ctx, 0, 100)).path,
    (await pageAt(ctx, Math.floor(ctx.transactions / 2), 100)).path,
    (await pageAt(ctx, 0, 1000)).path,
    (await pageAt(ctx, ctx.transactions, 100)).path,
  ];
  const round = () => Promise.all(paths.map((p) => ctx.client.get(p)));
  const plansSoFar = async () =>
    Number(
      (
        await ctx.pool.query<{ plans: string }>(
          `SELECT coalesce(sum(plans), 0)::text AS plans FROM pg_stat_statements
           WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND query NOT LIKE '%pg_stat_statements%'`,
        )
      ).rows[0]!.plans,
    );
  let warmRounds = 0;
  for (let quiet = 0; quiet < QUIET_ROUNDS && warmRounds < MAX_WARM_ROUNDS; warmRounds++) {
    const before = await plansSoFar();
    await round();
    quiet = (await plansSoFar()) === before ? quiet + 1 : 0;
  }
  const rounds = 20;
  await ctx.pool.query("SELECT pg_stat_statements_reset()");
  for (let i = 0; i < rounds; i++) await round();
  const { rows } = await ctx.pool.query<{
    query: string;
    calls: string;
    plans: string;
    mean_plan_time: number;
    mean_exec_time: number;
  }>(
    `SELECT query, calls, plans, mean_plan_time, mean_exec_time FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= $1
       AND query NOT LIKE '%pg_stat_statements%'
     ORDER BY calls DESC`,
    [rounds],
  );
  const statements = rows.map((r) => ({
    query: r.query.replace(/\s+/g, " ").trim().slice(0, 160),
    calls: Number(r.calls),
    plans: Number(r.plans),
    meanPlanMs: r.mean_plan_time,
    meanExecMs: r.mean_exec_time,
  }));
  const plannedPerRequest = statements.filter((s) => s.plans > s.calls / 2);
  ctx.log(
    `  warm after ${warmRounds} rounds (${QUIET_ROUNDS} in a row planning nothing, at most ${MAX_WARM_ROUNDS}); ` +
      `${rounds} rounds of ${paths.length} requests: ${statements.length} statements on every round, ` +
      `${plannedPerRequest.length} planned per execution`,
  );
  for (const s of statements)
    ctx.log(
      `    ${s.calls} calls, ${s.plans} plans (mean ${s.meanPlanMs.toFixed(2)} ms planning, ` +
        `${s.meanExecMs.toFixed(2)} ms running): ${s.query.slice(0, 100)}`,
    );
  return { requests: rounds * paths.length, warmRounds, statements, plannedPerRequest };
}
