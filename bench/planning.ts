// Is any statement on a request's path planned per request once the server is warm? After warm-up,
// pg_stat_statements (loaded in the bench's database: bench/dataset.ts, with track_planning) is
// reset, the server answers the same read requests again (pages of 100 and 1,000, the empty poll),
// and every statement run on every request is listed with its executions and plannings. A prepared
// statement whose generic plan is reused is planned 0 times; one planned per execution (an unnamed
// statement, or a prepared one PostgreSQL keeps planning custom) is planned as often as it runs.
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
  /** Statements run at least once per round of requests. */
  statements: PlannedStatement[];
  /** Those planned on more than half of their executions. */
  plannedPerRequest: PlannedStatement[];
}

export async function measurePlanning(ctx: SuiteContext): Promise<PlanningResult> {
  const paths = [
    (await pageAt(ctx, 0, 100)).path,
    (await pageAt(ctx, Math.floor(ctx.transactions / 2), 100)).path,
    (await pageAt(ctx, 0, 1000)).path,
    (await pageAt(ctx, ctx.transactions, 100)).path,
  ];
  const round = () => Promise.all(paths.map((p) => ctx.client.get(p)));
  for (let i = 0; i < 10; i++) await round();
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
    `  ${rounds} rounds of ${paths.length} requests: ${statements.length} statements on every round, ` +
      `${plannedPerRequest.length} planned per execution`,
  );
  for (const s of statements)
    ctx.log(
      `    ${s.calls} calls, ${s.plans} plans (mean ${s.meanPlanMs.toFixed(2)} ms planning, ` +
        `${s.meanExecMs.toFixed(2)} ms running): ${s.query.slice(0, 100)}`,
    );
  return { requests: rounds * paths.length, statements, plannedPerRequest };
}
