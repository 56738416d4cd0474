// Liveness and readiness, for load balancers and orchestrators. No key needed, no data told.
import { z } from "zod";
import { AppError } from "../lib/errors.js";
import { defineRoute } from "../lib/route.js";
import { pendingMigrations } from "./migration-status.js";

const healthSchema = z.object({ status: z.literal("ok").describe("The process is up.") });
const readySchema = z.object({
  status: z.literal("ready").describe("The database answers and every migration is applied."),
  migrations: z.number().int().describe("How many migrations are applied."),
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
    summary: "Readiness: the database answers and every migration is applied",
    tags: ["Health"],
    scope: null,
    query: z.strictObject({}),
    responses: {
      200: { description: "Ready to serve.", schema: readySchema },
      503: { description: "The database does not answer, or migrations are pending." },
    },
    handler: async ({ db }) => {
      let status: { applied: number; pending: string[] };
      try {
        status = await pendingMigrations(db.pool);
      } catch {
        throw new AppError("unavailable", "The database does not answer.");
      }
      if (status.pending.length) {
        throw new AppError("unavailable", `${status.pending.length} migration(s) not applied.`, {
          extensions: { pending_migrations: status.pending },
        });
      }
      return { status: "ready" as const, migrations: status.applied };
    },
  }),
];
