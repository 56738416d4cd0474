// POST /v1/transactions/{pos_id}/void: the receipt becomes voided, with the time it was voided.
// Repeating it is harmless: a voided receipt stays as it is, with its first void time, and its
// change time does not move. A sale that still has refunds cannot be voided (void the refunds
// first), so a refund never points at a voided sale.
import { recordAudit } from "../audit/record.js";
import type { Db } from "../db/client.js";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { AppError } from "../lib/errors.js";
import type { InstantText } from "../lib/instant.js";
import { type WriteResult, withTransaction } from "../lib/write-transaction.js";
import { lockReceipt, markVoided, refundPosIds } from "./write-queries.js";

export const VIA_VOID = "POST /v1/transactions/{pos_id}/void";

export async function voidReceipt(
  db: Db,
  auth: AuthContext,
  posId: string,
  voidedAt: InstantText | undefined,
): Promise<{ id: string; result: WriteResult }> {
  const tenant = tenantOf(auth);
  return withTransaction(db.pool, async (client) => {
    const found = await lockReceipt(client, tenant, posId, { locations: true });
    const receipt = found?.deleted ? undefined : found;
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
      const refunds = await refundPosIds(client, tenant, receipt.id);
      if (refunds.length) {
        throw new AppError(
          "conflict",
          `The sale has refunds (${refunds.map((r) => r.pos_id).join(", ")}): void them first.`,
        );
      }
    }
    const voided = await markVoided(client, tenant, receipt.id, voidedAt ?? null);
    await recordAudit(client, auth, [
      {
        action: "void",
        entity: "transaction",
        entityId: receipt.id,
        detail: { via: VIA_VOID, pos_id: posId, voided_at: voided.toISOString() },
      },
    ]);
    return { id: receipt.id, result: "updated" as const };
  });
}
