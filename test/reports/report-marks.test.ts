// What a write pays to mark its store-day stale (prisma/migrations/20261205070000_report_marks_cached_plan).
// Every sale's receipt and lines mark their store-day through the statement triggers; the mark's
// INSERT must be planned once per connection, not on every call (it was a LANGUAGE sql function,
// parsed and planned again each time: more CPU than the write it marked). PostgreSQL reports every
// plan it makes when debug_print_plan is on; here they are sent to the writer's own connection.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";
import { makeLocation, makeMerchant } from "../helpers/factories.js";

const db = await createTestDb();
const client = new pg.Client({ connectionString: db.url });
await client.connect();
afterAll(() => client.end());

/** A sale of one line on a business day, as the API writes it: the receipt, then its lines (one transaction). */
async function sell(merchantId: string, storeId: string, day: string) {
  await client.query("BEGIN");
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO transactions (id, merchant_id, pos_id, location_id, transacted_at, business_date, subtotal, total)
     VALUES (gen_random_uuid(), $1, 'mark-' || gen_random_uuid(), $2, ($3::date + time '12:00') AT TIME ZONE 'UTC',
       $3::date, 25.00, 25.00)
     RETURNING id`,
    [merchantId, storeId, day],
  );
  await client.query(
    `INSERT INTO line_items (id, merchant_id, transaction_id, line_number, sku, name, category, unit_price, quantity,
       line_total)
     VALUES (gen_random_uuid(), $1, $2, 1, 'MARK-1', 'Marked sale', 'Marks', 25.00, 1, 25.00)`,
    [merchantId, rows[0]!.id],
  );
  await client.query("COMMIT");
}

describe("marking a store-day stale", () => {
  it(prose`
    when one connection writes eight sales, each its own transaction, then the mark's INSERT is planned once, not
    twice per sale, and each sale still leaves one mark of its own
  `, async () => {
    const merchant = await makeMerchant(db);
    const store = await makeLocation(db, merchant.id, { timeZone: "UTC" });
    const { rows: table } = await client.query<{ oid: string }>(
      "SELECT 'report_rollup_stale'::regclass::oid::text AS oid",
    );
    // A plan tree names its statement's kind (INSERT is commandType 3) and the tables it reads and writes.
    const marksInsert = new RegExp(`:commandType 3 .*:relationOids \\(o ${table[0]!.oid}[ )]`, "s");
    let plannedMarks = 0;
    const onNotice = (notice: { message?: string; detail?: string }) => {
      if (notice.message === "plan:" && notice.detail && marksInsert.test(notice.detail)) plannedMarks++;
    };
    // A sale before counting: whatever the connection plans once (the triggers' own statements) is planned.
    await sell(merchant.id, store.id, "2026-10-01");
    await client.query("SET debug_print_plan = on");
    await client.query("SET client_min_messages = log");
    client.on("notice", onNotice);
    try {
      for (let i = 0; i < 8; i++) await sell(merchant.id, store.id, "2026-10-02");
    } finally {
      client.off("notice", onNotice);
      await client.query("RESET debug_print_plan");
      await client.query("RESET client_min_messages");
    }
    expect(plannedMarks, "plans made of the mark's INSERT while eight sales marked their day").toBeLessThanOrEqual(1);

    const { rows: marks } = await db.pool.query<{ day: string; n: number; writers: number }>(
      `SELECT business_date::text AS day, count(*)::int AS n, count(DISTINCT xact_id)::int AS writers
       FROM report_rollup_stale WHERE merchant_id = $1 AND location_id = $2 GROUP BY 1 ORDER BY 1`,
      [merchant.id, store.id],
    );
    expect(marks).toEqual([
      { day: "2026-10-01", n: 1, writers: 1 },
      { day: "2026-10-02", n: 8, writers: 8 },
    ]);
  });
});
