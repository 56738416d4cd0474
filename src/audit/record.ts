// The audit trail: who (which API key) wrote what, recorded in the same database transaction as
// the write itself, so an entry exists exactly when the write committed. Details name ids, counts
// and amounts, never personal data (no names, phones, emails, birthdays or addresses): the trail
// outlives the customer records it mentions and must be safe to hand to support staff.
//
// This module owns the audit_entries SQL: a write records its entries with recordAudit(), or, to
// save a round trip, runs auditInsert() as one more part (a WITH) of its own statement.
import { sql } from "kysely";
import type pg from "pg";
import { execute, qb, tenantStatement } from "../db/sql.js";
import { type Tenant, tenantOf } from "../db/tenant.js";
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

/** The INSERT of the entries (one statement, any number of them), for a WITH of the write's own statement. */
export const auditInsert = (tenant: Tenant, keyId: string, entries: AuditEntry[]) =>
  qb
    .insertInto("audit_entries")
    .columns(["merchant_id", "api_key_id", "action", "entity", "entity_id", "detail"])
    .expression(
      sql`SELECT ${tenant.merchant}, ${keyId}::uuid, e.action, e.entity, e.entity_id, e.detail
            FROM unnest(${entries.map((e) => e.action)}::text[], ${entries.map((e) => e.entity)}::text[],
                        ${entries.map((e) => e.entityId)}::text[],
                        ${entries.map((e) => JSON.stringify(e.detail))}::jsonb[])
                 AS e(action, entity, entity_id, detail)`,
    );

/** Records entries in one statement, on the write's own connection (inside its transaction). */
export async function recordAudit(client: pg.ClientBase, auth: AuthContext, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const tenant = tenantOf(auth);
  await execute(client, tenantStatement(tenant, auditInsert(tenant, auth.keyId, entries)));
}
