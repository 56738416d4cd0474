// POST /v1/transactions/batch: many receipts in one call, for backfills. Each receipt is parsed,
// checked and written on its own (its own database transaction), so one bad receipt is reported
// and the good ones are written. Results come back in the order sent.
//
// Speed: receipts are written CONCURRENCY at a time on separate connections; each write is a few
// statements whatever its number of lines (the lines go in one multi-row INSERT from arrays).
// Order still holds where it matters: a receipt waits for every earlier receipt of the batch with
// the same pos_id, and a refund waits for its sale and for earlier refunds of that sale, so the
// outcome is the same as writing them one by one.
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { AppError, type ProblemIssue } from "../lib/errors.js";
import { loadWritableLocations } from "../lib/locations.js";
import { issuesOf } from "../lib/validation.js";
import type { WriteResult } from "../lib/write-transaction.js";
import { prepareReceipt, writeReceipt } from "./put.js";
import { batchReceiptSchema } from "./write-schemas.js";

export const VIA_BATCH = "POST /v1/transactions/batch";
/** Receipts written at once; leaves most of the pool (DB_POOL_MAX, default 10) to other requests. */
const CONCURRENCY = 4;

export type BatchItemResult =
  | { pos_id: string | null; result: WriteResult; id: string }
  | { pos_id: string | null; result: "error"; status: number; code: string; detail: string; errors: ProblemIssue[] };

export interface Logger {
  error(obj: object, msg: string): void;
}

/** A counting semaphore: at most `size` holders at once, served in arrival order. */
function semaphore(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async acquire() {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

const errorResult = (posId: string | null, err: AppError): BatchItemResult => ({
  pos_id: posId,
  result: "error",
  status: err.status,
  code: err.code,
  detail: err.message,
  errors: err.issues,
});

export async function writeBatch(db: Db, auth: AuthContext, receipts: unknown[], log: Logger): Promise<BatchItemResult[]> {
  const locations = await loadWritableLocations(db.pool, auth);
  const slots = semaphore(CONCURRENCY);
  /** The last scheduled write touching each key ("receipt:<pos_id>"): later writes of that key wait for it. */
  const tails = new Map<string, Promise<unknown>>();

  const runs = receipts.map(async (raw, i): Promise<BatchItemResult> => {
    const at = `body.receipts.${i}`;
    const rawPosId = typeof (raw as { pos_id?: unknown })?.pos_id === "string" ? (raw as { pos_id: string }).pos_id : null;
    const parsed = batchReceiptSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error, "body").map((issue) => ({ ...issue, location: issue.location.replace(/^body/, at) }));
      return errorResult(rawPosId, new AppError("validation_failed", `Receipt ${i} has ${issues.length} invalid ${issues.length === 1 ? "value" : "values"}.`, { issues }));
    }
    const { pos_id: posId, ...body } = parsed.data;
    const prepared = prepareReceipt(posId, body, locations, at);
    if ("issues" in prepared) {
      return errorResult(posId, new AppError("unprocessable", `Receipt ${i} has ${prepared.issues.length} ${prepared.issues.length === 1 ? "problem" : "problems"}.`, { issues: prepared.issues }));
    }

    const keys = [`receipt:${posId}`, ...(body.original_pos_id ? [`receipt:${body.original_pos_id}`] : [])];
    const before = keys.map((key) => tails.get(key)).filter((p): p is Promise<unknown> => p !== undefined);
    const run = (async () => {
      await Promise.allSettled(before);
      await slots.acquire();
      try {
        const outcome = await writeReceipt(db, auth, prepared, VIA_BATCH);
        return { pos_id: posId, result: outcome.result, id: outcome.id } satisfies BatchItemResult;
      } catch (err) {
        if (err instanceof AppError) return errorResult(posId, err);
        log.error({ err, pos_id: posId }, "batch receipt failed");
        return errorResult(posId, new AppError("internal", "An unexpected error occurred writing this receipt; it was not written. Retry it."));
      } finally {
        slots.release();
      }
    })();
    for (const key of keys) tails.set(key, run);
    return run;
  });
  return Promise.all(runs);
}
