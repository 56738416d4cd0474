// Liveness and readiness, for load balancers and orchestrators. No key needed, no data told.
import { z } from "zod";
import { AppError } from "../lib/errors.js";
import { prose } from "../lib/prose.js";
import { defineRoute } from "../lib/route.js";
import type { FeedLagSample } from "../metrics/feed-lag.js";
import { pendingMigrations } from "./migration-status.js";

const healthSchema = z.object({ status: z.literal("ok").describe("The process is up.") });
const readySchema = z.object({
  status: z.literal("ready").describe("The database answers and every migration is applied."),
  migrations: z.number().int().describe("How many migrations are applied."),
  feed_lag_seconds: z.number().describe(prose`
      How far every feed trails now: now minus complete_through. Near 0 normally; a session of the database holding a
      transaction id (a long write, an open transaction) holds it back for as long as it lasts. Past FEED_LAG_WARN_MS
      the log warns; the instance stays ready (nothing is lost).
    `),
  complete_through: z
    .string()
    .describe("What a feed poll made now would answer as complete_through: every change before it is served."),
});

export const healthRoutes = [
  defineRoute({
    method: "get",
    path: "/healthz",
    operationId: "healthz",
    summary: "Liveness: the process is up",
    tags: ["Health"],
    scope: null,
    query: z.strictObject({}),
    responses: { 200: { description: "The process is up.", schema: healthSchema } },
    handler: () => ({ status: "ok" as const }),
  }),
  defineRoute({
    method: "get",
    path: "/readyz",
    operationId: "readyz",
    summary: "Readiness: the database answers and every migration is applied; the feed lag",
    tags: ["Health"],
    scope: null,
    query: z.strictObject({}),
    responses: {
      200: { description: "Ready to serve.", schema: readySchema },
      503: { description: "The database does not answer, or migrations are pending." },
    },
    handler: async ({ db, feedLag }) => {
      let status: { applied: number; pending: string[] };
      let lag: FeedLagSample;
      try {
        [status, lag] = await Promise.all([pendingMigrations(db.pool), feedLag.sample()]);
      } catch {
        throw new AppError("unavailable", "The database does not answer.");
      }
      if (status.pending.length) {
        throw new AppError("unavailable", `${status.pending.length} migration(s) not applied.`, {
          extensions: { pending_migrations: status.pending },
        });
      }
      return {
        status: "ready" as const,
        migrations: status.applied,
        feed_lag_seconds: lag.lagSeconds,
        complete_through: lag.completeThrough,
      };
    },
  }),
];
