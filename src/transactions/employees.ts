// The budtender of a receipt: named by POS id (must exist) or embedded (created or updated here).
import { sql } from "kysely";
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { recordAudit } from "../audit/record.js";
import { first, qb, tenantStatement } from "../db/sql.js";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import { EMPLOYEE_BY_POS_ID, idsByPosKey } from "./write-queries.js";

export async function findEmployee(client: pg.ClientBase, auth: AuthContext, posId: string): Promise<string | null> {
  return (await idsByPosKey(client, tenantOf(auth), EMPLOYEE_BY_POS_ID, [posId])).get(posId) ?? null;
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
