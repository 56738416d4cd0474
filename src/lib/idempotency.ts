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
import { z } from "zod";
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { Answer, jsonValueOf } from "./answer.js";
import { canonicalJson } from "./canonical-json.js";
import { AppError } from "./errors.js";

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
    .describe(
      `Makes a retry safe: a repeat with the same key and request answers the first result again and writes nothing (kept ${RETENTION}).`,
    )
    .meta({ example: "3f1c2a9e-8b4d-4c1e-9f2a-6d7b8c9e0a1b" }),
};

/** For route docs: the headers an idempotent route reads and answers. */
export const idempotencyDocs = {
  description: `Send an \`${IDEMPOTENCY_HEADER}\` header (1-255 visible ASCII characters, e.g. a UUID) to make retries safe: a repeat with the same key and the same request answers the first result again (with \`${REPLAYED_HEADER}: true\`) and writes nothing; the same key with a different request is a 422; while the first is still running, a 409 with Retry-After. Keys are kept ${RETENTION} per merchant; failed requests are not kept (their retry runs again).`,
  replayedHeader: {
    [REPLAYED_HEADER]: {
      description: "true when this answer is the stored answer of an earlier request with the same Idempotency-Key.",
    },
  },
};

/** Deletes answers past their retention (the service runs it hourly: src/server.ts). */
export async function purgeExpiredIdempotencyRecords(db: Db): Promise<number> {
  const { rowCount } = await db.pool.query(
    `DELETE FROM idempotency_records WHERE created_at < now() - interval '${RETENTION}'`,
  );
  return rowCount ?? 0;
}

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

  const claim = await db.pool.query(
    `INSERT INTO idempotency_records (merchant_id, key, request_hash, status_code, response_body)
     VALUES ($1, $2, $3, 0, 'null')
     ON CONFLICT (merchant_id, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, status_code = 0, response_body = 'null', created_at = now()
      WHERE idempotency_records.created_at < now() - interval '${RETENTION}'
         OR (idempotency_records.status_code = 0 AND idempotency_records.created_at < now() - interval '${CLAIM_TIMEOUT}')
     RETURNING 1`,
    [auth.merchantId, key, requestHash],
  );
  if (claim.rowCount === 0) {
    const { rows } = await db.pool.query<{ request_hash: string; status_code: number; response_body: unknown }>(
      "SELECT request_hash, status_code, response_body FROM idempotency_records WHERE merchant_id = $1 AND key = $2",
      [auth.merchantId, key],
    );
    const first = rows[0];
    if (first && first.request_hash !== requestHash) {
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
    if (!first || first.status_code === 0) {
      throw new AppError("conflict", "A request with this Idempotency-Key is still being processed; retry shortly.", {
        headers: { "Retry-After": "1" },
      });
    }
    // The stored answer is the one `work` gave the first request: the same type.
    const headers = { ...headersFor(first.response_body), [REPLAYED_HEADER]: "true" };
    return new Answer(first.status_code, { kind: "json", value: first.response_body }, headers) as A;
  }

  let answer: A;
  try {
    answer = await work();
  } catch (err) {
    await db.pool.query("DELETE FROM idempotency_records WHERE merchant_id = $1 AND key = $2 AND status_code = 0", [
      auth.merchantId,
      key,
    ]);
    throw err;
  }
  if (answer.status >= 200 && answer.status < 300) {
    await db.pool.query(
      "UPDATE idempotency_records SET status_code = $3, response_body = $4 WHERE merchant_id = $1 AND key = $2",
      [auth.merchantId, key, answer.status, JSON.stringify(jsonValueOf(answer))],
    );
  } else {
    await db.pool.query("DELETE FROM idempotency_records WHERE merchant_id = $1 AND key = $2 AND status_code = 0", [
      auth.merchantId,
      key,
    ]);
  }
  return answer;
}
