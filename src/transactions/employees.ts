// The budtender of a receipt: named by POS id (must exist) or embedded (created or updated here).
import type pg from "pg";
import { v7 as uuidv7 } from "uuid";
import { recordAudit } from "../audit/record.js";
import type { AuthContext } from "../keys/scopes.js";

export async function findEmployee(client: pg.ClientBase, auth: AuthContext, posId: string): Promise<string | null> {
  const { rows } = await client.query<{ id: string }>(
    "SELECT id FROM employees WHERE merchant_id = $1 AND pos_id = $2",
    [auth.merchantId, posId],
  );
  return rows[0]?.id ?? null;
}

/** Creates or updates the employee; an identical write changes nothing. Returns the id. */
export async function upsertEmployee(
  client: pg.ClientBase,
  auth: AuthContext,
  employee: { pos_id: string; first_name: string; last_name?: string | null },
  via: string,
): Promise<string> {
  const { rows } = await client.query<{ id: string; created: boolean }>(
    `INSERT INTO employees AS e (id, merchant_id, pos_id, first_name, last_name) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (merchant_id, pos_id) DO UPDATE SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name
      WHERE (e.first_name, e.last_name) IS DISTINCT FROM (EXCLUDED.first_name, EXCLUDED.last_name)
     RETURNING id, (xmax = 0) AS created`,
    [uuidv7(), auth.merchantId, employee.pos_id, employee.first_name, employee.last_name || null],
  );
  const row = rows[0];
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
