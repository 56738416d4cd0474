// The audit trail: who (which API key) wrote what, recorded in the same database transaction as
// the write itself, so an entry exists exactly when the write committed. Details name ids, counts
// and amounts, never personal data (no names, phones, emails, birthdays or addresses): the trail
// outlives the customer records it mentions and must be safe to hand to support staff.
import type pg from "pg";
import type { AuthContext } from "../keys/scopes.js";

export type AuditAction = "create" | "update" | "void" | "patch";
export type AuditEntity = "transaction" | "customer" | "employee" | "product" | "inventory_item";

export interface AuditEntry {
  action: AuditAction;
  entity: AuditEntity;
  /** This service's id of the record written. */
  entityId: string;
  /** What changed, without personal data: ids, counts, amounts, names of the fields changed. */
  detail: Record<string, unknown>;
}

/** Records entries in one statement, on the write's own connection (inside its transaction). */
export async function recordAudit(client: pg.ClientBase, auth: AuthContext, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await client.query(
    `INSERT INTO audit_entries (merchant_id, api_key_id, action, entity, entity_id, detail)
     SELECT $1, $2, e.action, e.entity, e.entity_id, e.detail
       FROM unnest($3::text[], $4::text[], $5::text[], $6::jsonb[]) AS e(action, entity, entity_id, detail)`,
    [
      auth.merchantId,
      auth.keyId,
      entries.map((e) => e.action),
      entries.map((e) => e.entity),
      entries.map((e) => e.entityId),
      entries.map((e) => JSON.stringify(e.detail)),
    ],
  );
}
