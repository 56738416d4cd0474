// The budtender of a receipt: named by POS id (must exist) or embedded (created or updated here).
// This module owns the employees SQL.
import { sql } from "kysely";
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { recordAudit } from "../audit/record.js";
import { first, qb, run, tenantStatement } from "../db/sql.js";
import { type Tenant, tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";

/** The merchant's employees by POS id: their ids, keyed by POS id (the ones found). */
export async function employeeIdsByPosId(
  client: pg.ClientBase,
  tenant: Tenant,
  posIds: string[],
): Promise<Map<string, string>> {
  if (posIds.length === 0) return new Map();
  const rows = await run(
    client,
    tenantStatement(
      tenant,
      qb
        .selectFrom("employees as e")
        .select(["e.pos_id", "e.id"])
        .where(tenant.where("e", { locations: false }))
        .where((eb) => eb("e.pos_id", "=", eb.fn.any(eb.val([...new Set(posIds)])))),
    ),
  );
  return new Map(rows.map((r) => [r.pos_id, r.id]));
}

export async function findEmployee(client: pg.ClientBase, auth: AuthContext, posId: string): Promise<string | null> {
  return (await employeeIdsByPosId(client, tenantOf(auth), [posId])).get(posId) ?? null;
}

/** Creates or updates the employee; an identical write changes nothing. Returns the id. */
export async function upsertEmployee(
  client: pg.ClientBase,
  auth: AuthContext,
  employee: { pos_id: string; first_name: string; last_name?: string | null },
  via: string,
): Promise<string> {
  const tenant = tenantOf(auth);
  const row = await first(
    client,
    tenantStatement(
      tenant,
      qb
        .insertInto("employees")
        .values({
          id: uuidv7(),
          merchant_id: tenant.merchant,
          pos_id: employee.pos_id,
          first_name: employee.first_name,
          last_name: employee.last_name || null,
        })
        .onConflict((oc) =>
          oc
            .columns(["merchant_id", "pos_id"])
            .doUpdateSet((eb) => ({
              first_name: eb.ref("excluded.first_name"),
              last_name: eb.ref("excluded.last_name"),
            }))
            .where((eb) =>
              eb(
                eb.refTuple("employees.first_name", "employees.last_name"),
                "is distinct from",
                eb.refTuple("excluded.first_name", "excluded.last_name"),
              ),
            ),
        )
        .returning(["id", sql<boolean>`xmax = 0`.as("created")]),
    ),
  );
  if (!row) return (await findEmployee(client, auth, employee.pos_id))!;
  await recordAudit(client, auth, [
    {
      action: row.created ? "create" : "update",
      entity: "employee",
      entityId: row.id,
      detail: { via, pos_id: employee.pos_id },
    },
  ]);
  return row.id;
}
