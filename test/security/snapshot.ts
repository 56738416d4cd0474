// What the database holds, to compare before and after a request: a merchant's rows, one store's
// rows, or a fingerprint of every table (row counts and a hash of the contents).
//
// api_keys.last_used_at is left out: authenticating a request records it (at most once a minute),
// whether the request is then refused or not. rate_limit_counters is left out: counting requests
// is what it is for.
import type { Db } from "../../src/db/client.js";

/** Every table that holds a merchant's data, with the order its rows are listed in. */
const TENANT_TABLES = {
  locations: "id",
  employees: "id",
  customers: "id",
  products: "id",
  inventory_items: "id",
  transactions: "id",
  line_items: "id",
  audit_entries: "id",
  idempotency_records: "key",
} as const;

async function rows(db: Db, sql: string, values: unknown[]) {
  return (await db.pool.query(sql, values)).rows as Record<string, unknown>[];
}

/** The api_keys columns compared: all but last_used_at, which reading with a key moves. */
const API_KEY_COLUMNS = [
  "id",
  "merchant_id",
  "name",
  "prefix",
  "hash",
  "scopes",
  "location_ids",
  "expires_at",
  "revoked_at",
  "rotated_from_id",
  "created_at",
];

/** Every row of the merchant, table by table (its key rows without last_used_at). */
export async function merchantRows(db: Db, merchantId: string) {
  const out: Record<string, unknown[]> = {
    merchants: await rows(db, "SELECT * FROM merchants WHERE id = $1", [merchantId]),
    api_keys: await rows(db, `SELECT ${API_KEY_COLUMNS.join(", ")} FROM api_keys WHERE merchant_id = $1 ORDER BY id`, [
      merchantId,
    ]),
  };
  for (const [table, order] of Object.entries(TENANT_TABLES)) {
    out[table] = await rows(db, `SELECT * FROM ${table} WHERE merchant_id = $1 ORDER BY ${order}`, [merchantId]);
  }
  return out;
}

/** The rows of one store: the store, its receipts with their lines, its stock. */
export async function storeRows(db: Db, locationId: string) {
  return {
    location: await rows(db, "SELECT * FROM locations WHERE id = $1", [locationId]),
    transactions: await rows(db, "SELECT * FROM transactions WHERE location_id = $1 ORDER BY id", [locationId]),
    line_items: await rows(
      db,
      "SELECT li.* FROM line_items li JOIN transactions t ON t.id = li.transaction_id WHERE t.location_id = $1 ORDER " +
        "BY li.id",
      [locationId],
    ),
    inventory_items: await rows(db, "SELECT * FROM inventory_items WHERE location_id = $1 ORDER BY id", [locationId]),
  };
}

const FINGERPRINTED = ["merchants", "api_keys", ...Object.keys(TENANT_TABLES)] as const;

/**
 * Row counts and an md5 of the contents of every table of the service, in one statement: equal
 * fingerprints mean nothing was written (but last_used_at, see above).
 */
export async function databaseFingerprint(db: Db): Promise<Record<string, string>> {
  const parts = FINGERPRINTED.map((table) => {
    const row = table === "api_keys" ? `(${API_KEY_COLUMNS.map((c) => `t.${c}`).join(", ")})` : "t";
    return `SELECT '${table}' AS name,
      count(*)::text || ':' || coalesce(md5(string_agg(${row}::text, '|' ORDER BY ${row}::text)), '') AS print
        FROM ${table} t`;
  });
  const { rows: prints } = await db.pool.query<{ name: string; print: string }>(parts.join(" UNION ALL "));
  return Object.fromEntries(prints.map((p) => [p.name, p.print]));
}
