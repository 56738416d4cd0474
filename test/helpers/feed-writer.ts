// A writer on its own connection, for the feed's tests: its transaction stays open (holding the feed's
// horizon back once it writes) until it commits.
import pg from "pg";

/** A writer on its own connection, whose database transaction stays open until it commits. */
export async function openWriter(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("BEGIN");
  // The transaction starts now, but holds no transaction id until its first write.
  await client.query("SELECT 1");
  return {
    async insertSale(location: { id: string; merchantId: string }, posId: string) {
      const { rows } = await client.query<{ id: string; updated_at: string }>(
        `INSERT INTO transactions (id, merchant_id, pos_id, location_id, transacted_at, business_date, subtotal, total)
         VALUES (gen_random_uuid(), $1, $2, $3, now(), current_date, 10, 10)
         RETURNING id, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at`,
        [location.merchantId, posId, location.id],
      );
      return rows[0]!;
    },
    async voidSale(id: string) {
      const { rows } = await client.query<{ updated_at: string }>(
        `UPDATE transactions SET status = 'voided', voided_at = now() WHERE id = $1
         RETURNING to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at`,
        [id],
      );
      return rows[0]!;
    },
    async commit() {
      await client.query("COMMIT");
      await client.end();
    },
  };
}
