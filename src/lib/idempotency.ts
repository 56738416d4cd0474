// Idempotency-Key on POST and PATCH: a client that retries (timeout, dropped connection) with the
// same key gets the first answer again and nothing is written twice; the same key with another
// request is a 422. A route opts in by wrapping its work in `idempotent(...)`.
//
// How: the key is claimed first (a row with status 0, committed at once), the work runs, and the
// row is completed with the answer. A concurrent request with the same key finds the claim and
// gets a 409 with Retry-After instead of running the work a second time. Only successful answers
// are kept: a failed request changed nothing, so its retry simply runs again. A claim left by a
// process that died is taken over after CLAIM_TIMEOUT; answers are kept for RETENTION, after which
// the key may be used again. The work and the completion are two transactions: if the process
// dies between them, the retry runs the work again, which every route that opts in tolerates
// (their writes are upserts, voids and field updates that are no-ops when repeated).
import { createHash } from "node:crypto";
import type { Request } from "express";
import { sql } from "kysely";
import { z } from "zod";
import type { Db } from "../db/client.js";
import { execute, first, qb, reviewedStatement, tenantStatement } from "../db/sql.js";
import { type Tenant, tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { Answer, jsonValueOf } from "./answer.js";
import { canonicalJson } from "./canonical-json.js";
import { AppError } from "./errors.js";
import { prose } from "./prose.js";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
export const REPLAYED_HEADER = "Idempotent-Replayed";
const CLAIM_TIMEOUT = "5 minutes";
const RETENTION = "24 hours";
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The header, for RouteDef.headers: validated and documented with the route's other parameters. */
export const idempotencyHeaders = {
  [IDEMPOTENCY_HEADER]: z
    .string()
    .regex(KEY_PATTERN, "Use 1 to 255 visible ASCII characters (a UUID is a good key).")
    .optional()
    .describe(prose`
      Makes a retry safe: a repeat with the same key and request answers the first result again and writes nothing (kept
      ${RETENTION}).
    `)
    .meta({ example: "3f1c2a9e-8b4d-4c1e-9f2a-6d7b8c9e0a1b" }),
};

/** For route docs: the headers an idempotent route reads and answers. */
export const idempotencyDocs = {
  description: prose`
    Send an \`${IDEMPOTENCY_HEADER}\` header (1-255 visible ASCII characters, e.g. a UUID) to make retries safe: a
    repeat with the same key and the same request answers the first result again (with \`${REPLAYED_HEADER}: true\`) and
    writes nothing; the same key with a different request is a 422; while the first is still running, a 409 with
    Retry-After. Keys are kept ${RETENTION} per merchant; failed requests are not kept (their retry runs again).
  `,
  replayedHeader: {
    [REPLAYED_HEADER]: {
      description: "true when this answer is the stored answer of an earlier request with the same Idempotency-Key.",
    },
  },
};

/** Deletes answers past their retention (the service runs it hourly: src/server.ts). */
export function purgeExpiredIdempotencyRecords(db: Db): Promise<number> {
  // Every merchant's expired answers at once: the service's own housekeeping, outside any request.
  return execute(
    db.pool,
    reviewedStatement(
      "housekeeping",
      qb.deleteFrom("idempotency_records").where("created_at", "<", sql<Date>`now() - ${sql.lit(RETENTION)}::interval`),
    ),
  );
}

// A merchant's records, by key: claimed (status 0, committed at once), then completed with the answer
// or released (deleted) when the work failed.
const claimRecord = (tenant: Tenant, key: string, requestHash: string) =>
  tenantStatement(
    tenant,
    qb
      .insertInto("idempotency_records")
      .values({ merchant_id: tenant.merchant, key, request_hash: requestHash, status_code: 0, response_body: "null" })
      .onConflict((oc) =>
        oc
          .columns(["merchant_id", "key"])
          .doUpdateSet((eb) => ({
            request_hash: eb.ref("excluded.request_hash"),
            status_code: 0,
            response_body: "null",
            created_at: sql<Date>`now()`,
          }))
          .where((eb) =>
            eb.or([
              eb("idempotency_records.created_at", "<", sql<Date>`now() - ${sql.lit(RETENTION)}::interval`),
              eb.and([
                eb("idempotency_records.status_code", "=", 0),
                eb("idempotency_records.created_at", "<", sql<Date>`now() - ${sql.lit(CLAIM_TIMEOUT)}::interval`),
              ]),
            ]),
          ),
      )
      .returning(sql<number>`1`.as("claimed")),
  );

const storedAnswer = (tenant: Tenant, key: string) =>
  tenantStatement(
    tenant,
    qb
      .selectFrom("idempotency_records as r")
      .select(["r.request_hash", "r.status_code", "r.response_body"])
      .where(tenant.where("r", { locations: false }))
      .where("r.key", "=", key),
  );

const completeClaim = (tenant: Tenant, key: string, status: number, body: unknown) =>
  tenantStatement(
    tenant,
    qb
      .updateTable("idempotency_records as r")
      .set({ status_code: status, response_body: JSON.stringify(body) })
      .where(tenant.where("r", { locations: false }))
      .where("r.key", "=", key),
  );

const releaseClaim = (tenant: Tenant, key: string) =>
  tenantStatement(
    tenant,
    qb
      .deleteFrom("idempotency_records as r")
      .where(tenant.where("r", { locations: false }))
      .where("r.key", "=", key)
      .where("r.status_code", "=", 0),
  );

interface Context {
  db: Db;
  auth: AuthContext;
  req: Request;
}

/**
 * Runs `work` once per Idempotency-Key (or every time when the request has none) and answers
 * returns its JSON answer (lib/answer.ts), or the stored answer of the first request with the key.
 * `headersFor` rebuilds headers that derive from the body (an ETag) on replays.
 */
export async function idempotent<A extends Answer>(
  { db, auth, req }: Context,
  work: () => Promise<A>,
  headersFor: (body: unknown) => Record<string, string> = () => ({}),
): Promise<A> {
  const key = req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) return work();
  if (!KEY_PATTERN.test(key)) {
    throw new AppError("validation_failed", "The Idempotency-Key header is not valid.", {
      issues: [
        {
          location: "header.idempotency-key",
          message: "Use 1 to 255 visible ASCII characters (a UUID is a good key).",
          code: "invalid_idempotency_key",
        },
      ],
    });
  }
  const requestHash = createHash("sha256")
    .update(canonicalJson([req.method, req.originalUrl, req.body]))
    .digest("base64url");

  const tenant = tenantOf(auth);
  const claimed = await execute(db.pool, claimRecord(tenant, key, requestHash));
  if (claimed === 0) {
    const stored = await first(db.pool, storedAnswer(tenant, key));
    if (stored && stored.request_hash !== requestHash) {
      throw new AppError("unprocessable", "This Idempotency-Key was already used for a different request.", {
        issues: [
          {
            location: "header.idempotency-key",
            message: "Reused with another method, path or body; use a new key for a new request.",
            code: "idempotency_key_reused",
          },
        ],
      });
    }
    if (!stored || stored.status_code === 0) {
      throw new AppError("conflict", "A request with this Idempotency-Key is still being processed; retry shortly.", {
        headers: { "Retry-After": "1" },
      });
    }
    // The stored answer is the one `work` gave the first request: the same type.
    const headers = { ...headersFor(stored.response_body), [REPLAYED_HEADER]: "true" };
    return new Answer(stored.status_code, { kind: "json", value: stored.response_body }, headers) as A;
  }

  let answer: A;
  try {
    answer = await work();
  } catch (err) {
    await execute(db.pool, releaseClaim(tenant, key));
    throw err;
  }
  if (answer.status >= 200 && answer.status < 300) {
    await execute(db.pool, completeClaim(tenant, key, answer.status, jsonValueOf(answer)));
  } else {
    await execute(db.pool, releaseClaim(tenant, key));
  }
  return answer;
}
