// GET /metrics: this instance's Prometheus metrics in the text exposition format, for a scraper
// holding a key with the metrics:read scope (a scope of its own: no other key reads them, and a
// metrics key reads no merchant's data). The figures are the whole instance's, every merchant
// together, with no id in any label (registry.ts).

import { sql } from "kysely";
import type pg from "pg";
import { z } from "zod";
import { first, qb, reviewedStatement } from "../db/sql.js";
import { problemDetailsSchema } from "../lib/problem-schema.js";
import { prose } from "../lib/prose.js";
import { defineRoute } from "../lib/route.js";
import { samplePools } from "./pool.js";
import { registry, rollupBacklog } from "./registry.js";

/** Store-days marked stale by writes and not yet rebuilt (one mark per store-day is enough to count it). */
async function sampleRollupBacklog(pool: pg.Pool): Promise<void> {
  const marked = qb.selectFrom("report_rollup_stale as s").select(["s.location_id", "s.business_date"]).distinct();
  const count = qb.selectFrom(marked.as("marked")).select(sql<number>`count(*)::int`.as("n"));
  const row = await first(pool, reviewedStatement("instance-figure", count, { prepare: "metrics-rollup-backlog" }));
  rollupBacklog.set(row!.n);
}

const problem = (description: string) => ({ description, schema: problemDetailsSchema });

export const metricsRoutes = [
  defineRoute({
    method: "get",
    path: "/metrics",
    operationId: "getMetrics",
    summary: "Prometheus metrics of this instance",
    description: prose`
      The text exposition format (version 0.0.4) of prom-client: the process's default metrics and the service's, all
      prefixed \`posbridge_\`: request durations and counts by route template, method and status class; feed lag; rows
      and bytes served; the report-rollup backlog; the database pool; statement timeouts and transaction retries;
      rate-limit rejections; authentication failures; writes by result. Labels never carry an id, a key, a query string,
      a phone or an email. The figures are this instance's, all merchants together: scrape every instance.
    `,
    tags: ["Operations"],
    query: z.strictObject({}),
    scope: "metrics:read",
    responses: {
      200: {
        description: "The metrics, as text/plain; version=0.0.4.",
        contentTypes: ["text/plain"],
        textExamples: {
          "text/plain":
            "# HELP posbridge_feed_lag_seconds Feed lag now\n# TYPE posbridge_feed_lag_seconds " +
            "gauge\nposbridge_feed_lag_seconds 0.012\n",
        },
      },
      401: problem("No valid key."),
      403: problem("The key lacks metrics:read."),
    },
    handler: async ({ db, feedLag, respond }) => {
      samplePools();
      await Promise.all([sampleRollupBacklog(db.pool), feedLag.sample()]);
      return respond.text(200, registry.contentType, await registry.metrics());
    },
  }),
];
