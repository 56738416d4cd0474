// POST /v1/transactions/batch: many receipts in one call, for backfills. Each receipt is parsed,
// checked and written on its own (its own database transaction), so one bad receipt is reported
// and the good ones are written. Results come back in the order sent.
//
// Speed: the plain sales of the batch (most of a backfill) are written together in a few set-based
// statements (bulk.ts). The rest are written one by one, CONCURRENCY at a time on separate
// connections, each in a few statements whatever its number of lines. Order still holds where it
// matters: a receipt waits for every earlier receipt of the batch with the same pos_id, a refund
// waits for its sale and for earlier refunds of that sale, and receipts of one customer or one
// employee (who may be created by an earlier receipt) wait for each other, so the outcome is the
// same as writing them one by one in the order sent.
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { databaseFault } from "../lib/database-faults.js";
import { AppError, type ProblemIssue } from "../lib/errors.js";
import { loadWritableLocations } from "../lib/locations.js";
import { fromDatabase } from "../lib/problem.js";
import { issuesOf, validationError } from "../lib/validation.js";
import type { WriteResult } from "../lib/write-transaction.js";
import { bulkEligible, writeInBulk } from "./bulk.js";
import { type PreparedReceipt, prepareReceipt, unprocessable, writeReceipt } from "./put.js";
import { batchReceiptSchema } from "./write-schemas.js";

export const VIA_BATCH = "POST /v1/transactions/batch";
/** Receipts written at once; leaves most of the pool (DB_POOL_MAX, default 10) to other requests. */
const CONCURRENCY = 4;

export type BatchItemResult =
  | { pos_id: string | null; result: WriteResult; id: string }
  | { pos_id: string | null; result: "error"; status: number; code: string; detail: string; errors: ProblemIssue[] };

export interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
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

export async function writeBatch(
  db: Db,
  auth: AuthContext,
  receipts: unknown[],
  log: Logger,
): Promise<BatchItemResult[]> {
  const locations = await loadWritableLocations(db.pool, auth, receipts);
  const results: (BatchItemResult | undefined)[] = new Array(receipts.length);

  // Parse and check every receipt first (no database): the bad ones are answered here.
  const prepared = receipts.map((raw, i): PreparedReceipt | null => {
    const at = `body.receipts.${i}`;
    const rawPosId =
      typeof (raw as { pos_id?: unknown })?.pos_id === "string" ? (raw as { pos_id: string }).pos_id : null;
    const parsed = batchReceiptSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error, "body").map((issue) => ({
        ...issue,
        location: issue.location.replace(/^body/, at),
      }));
      results[i] = errorResult(
        rawPosId,
        validationError(
          issues,
          `Receipt ${i} has ${issues.length} invalid ${issues.length === 1 ? "value" : "values"}.`,
        ),
      );
      return null;
    }
    const { pos_id: posId, ...body } = parsed.data;
    const receipt = prepareReceipt(posId, body, locations, at);
    if ("issues" in receipt) {
      results[i] = errorResult(posId, unprocessable(receipt.issues, `Receipt ${i}`));
      return null;
    }
    return receipt;
  });

  // The plain sales together (see bulk.ts), then everything else one by one.
  const eligible = bulkEligible(prepared);
  const bulk = await writeInBulk(
    db,
    auth,
    [...eligible].map((i) => prepared[i]!),
    VIA_BATCH,
    log,
  );
  for (const i of eligible) {
    const outcome = bulk.get(prepared[i]!);
    if (!outcome) continue;
    const posId = prepared[i]!.posId;
    results[i] =
      outcome.kind === "written"
        ? { pos_id: posId, result: outcome.result, id: outcome.id }
        : errorResult(posId, outcome.error);
  }

  const slots = semaphore(CONCURRENCY);
  let databaseAwayNoted = false;
  /**
   * The last scheduled write touching each key (a receipt, a customer, an employee): later writes of that key wait for
   * it.
   */
  const tails = new Map<string, Promise<unknown>>();
  const runs = prepared.map(async (receipt, i): Promise<void> => {
    if (!receipt || results[i]) return;
    const { body } = receipt;
    const customer = receipt.customer?.posUser ?? body.customer_pos_user;
    const employee = body.employee?.pos_id ?? body.employee_pos_id;
    const keys = [
      `receipt:${receipt.posId}`,
      ...(body.original_pos_id ? [`receipt:${body.original_pos_id}`] : []),
      ...(customer !== undefined ? [`customer:${customer}`] : []),
      ...(employee !== undefined ? [`employee:${employee}`] : []),
    ];
    const before = keys.map((key) => tails.get(key)).filter((p): p is Promise<unknown> => p !== undefined);
    const run = (async () => {
      await Promise.allSettled(before);
      await slots.acquire();
      try {
        const outcome = await writeReceipt(db, auth, receipt, VIA_BATCH);
        results[i] = { pos_id: receipt.posId, result: outcome.result, id: outcome.id };
      } catch (err) {
        // The answer a PUT of this receipt would have had: ours, a database refusal of a value (400), or a 500.
        const known = err instanceof AppError ? err : fromDatabase(err);
        // The database being away is an outage (503 results, /readyz), not a fault: noted once a batch.
        if (databaseFault(err)) {
          if (!databaseAwayNoted) log.warn({ err }, "batch receipts refused: the database is unavailable");
          databaseAwayNoted = true;
        } else if (!known || known.status >= 500) log.error({ err, pos_id: receipt.posId }, "batch receipt failed");
        results[i] = errorResult(
          receipt.posId,
          known ??
            new AppError(
              "internal",
              "An unexpected error occurred writing this receipt; it was not written. Retry it.",
            ),
        );
      } finally {
        slots.release();
      }
    })();
    for (const key of keys) tails.set(key, run);
    await run;
  });
  await Promise.all(runs);
  return results as BatchItemResult[];
}
