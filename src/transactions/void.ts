// POST /v1/transactions/{pos_id}/void: the receipt becomes voided, with the time it was voided.
// Repeating it is harmless: a voided receipt stays as it is, with its first void time, and its
// change time does not move. A sale that still has refunds cannot be voided (void the refunds
// first), so a refund never points at a voided sale.
import { recordAudit } from "../audit/record.js";
import type { Db } from "../db/client.js";
import type { AuthContext } from "../keys/scopes.js";
import { AppError } from "../lib/errors.js";
import type { InstantText } from "../lib/instant.js";
import { utcText } from "../lib/sync-feed.js";
import { withTransaction, type WriteResult } from "../lib/write-transaction.js";

export const VIA_VOID = "POST /v1/transactions/{pos_id}/void";

export async function voidReceipt(
  db: Db,
  auth: AuthContext,
  posId: string,
  voidedAt: InstantText | undefined,
): Promise<{ id: string; result: WriteResult }> {
  return withTransaction(db.pool, async (client) => {
    // Both times as normalised microsecond texts (lib/instant.ts), which compare as strings.
    const { rows } = await client.query<{ id: string; kind: string; status: string; transacted_at: InstantText }>(
      `SELECT id, kind, status, ${utcText("transacted_at")} AS transacted_at FROM transactions
        WHERE merchant_id = $1 AND pos_id = $2 AND deleted_at IS NULL AND ($3::uuid[] IS NULL OR location_id = ANY($3::uuid[]))
        FOR UPDATE`,
      [auth.merchantId, posId, auth.locationIds],
    );
    const receipt = rows[0];
    if (!receipt) throw new AppError("not_found", "No such transaction.");
    if (receipt.status === "voided") return { id: receipt.id, result: "unchanged" as const };
    if (voidedAt && voidedAt < receipt.transacted_at) {
      throw new AppError("unprocessable", "The receipt cannot be voided before it happened.", {
        issues: [
          {
            location: "body.voided_at",
            message: `voided_at is before the receipt's transacted_at (${receipt.transacted_at}).`,
            code: "void_before_sale",
          },
        ],
      });
    }
    if (receipt.kind === "sale") {
      const refunds = await client.query<{ pos_id: string }>(
        "SELECT pos_id FROM transactions WHERE original_transaction_id = $1 AND status = 'completed' AND deleted_at IS NULL ORDER BY pos_id LIMIT 5",
        [receipt.id],
      );
      if (refunds.rowCount) {
        throw new AppError(
          "conflict",
          `The sale has refunds (${refunds.rows.map((r) => r.pos_id).join(", ")}): void them first.`,
        );
      }
    }
    const { rows: voided } = await client.query<{ voided_at: Date }>(
      "UPDATE transactions SET status = 'voided', voided_at = coalesce($2::timestamptz, now()) WHERE id = $1 RETURNING voided_at",
      [receipt.id, voidedAt ?? null],
    );
    await recordAudit(client, auth, [
      {
        action: "void",
        entity: "transaction",
        entityId: receipt.id,
        detail: { via: VIA_VOID, pos_id: posId, voided_at: voided[0]!.voided_at.toISOString() },
      },
    ]);
    return { id: receipt.id, result: "updated" as const };
  });
}
