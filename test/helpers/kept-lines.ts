// The kept text of every receipt's lines (transactions.json_lines, migration 20261205110000_transaction_json_lines),
// computed again here apart from the migration's function, for the tests that check it follows every write.
import { sql } from "kysely";
import { type Executor, reviewedStatement, run } from "../../src/db/sql.js";

/** Receipts whose kept text is not what their lines make now. */
export async function staleKeptLines(db: Executor): Promise<{ id: string }[]> {
  return run(
    db,
    reviewedStatement(
      "housekeeping",
      sql<{ id: string }>`SELECT t.id FROM transactions t
        WHERE t.json_lines IS DISTINCT FROM (
          SELECT '[' || string_agg(CASE WHEN li.product_id IS NULL
              THEN li.json_head || E'\\x01s' || octet_length(li.sku) || ':' || li.sku || li.json_body || E'\\x01k}'
              ELSE li.json_head || '"' || li.product_id || '"' || li.json_body || E'\\x01u' || li.product_id || '}'
            END, ',  ' ORDER BY li.line_number) || ']'
          FROM line_items li WHERE li.transaction_id = t.id)`,
    ),
  );
}
