// Two inventory PUTs naming the same new SKU at once: the second one's product upsert waits on the first's row, and
// once the first commits it changes nothing (same fields) and its snapshot, taken before that commit, cannot see the
// product. It used to store stock with no product (23502, a 500); now the attempt is run again and finds it.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { appOver } from "../security/apps.js";
import { as } from "../writes/helpers.js";

const db = await createTestDb();
const app = appOver(db);
const holder = new pg.Client({ connectionString: db.url });
await holder.connect();
afterAll(() => holder.end());

const item = (locationId: string, sku: string) => ({
  location_id: locationId,
  sku,
  name: "Race Kush 3.5g",
  quantity: 4,
  unit_cost: "2.5",
  sale_price: 10,
});

describe("inventory PUTs creating the same product at once", () => {
  it(prose`
    when another transaction creates the SKU's product with the same fields while a PUT waits on it, then the PUT
    answers 200 with that product and its stock row
  `, async () => {
    const merchant = await makeMerchant(db);
    const store = await makeLocation(db, merchant.id);
    const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write", "inventory:read"] });
    const client = as(app, key);
    // The fields an API PUT gives a product, copied from one it made, for the held transaction's row.
    expect((await client.put("/v1/inventory", { items: [item(store.id, "TEMPLATE")] })).status).toBe(200);
    await holder.query("BEGIN");
    await holder.query(
      `INSERT INTO products SELECT r.* FROM products p,
         jsonb_populate_record(null::products,
           to_jsonb(p) || jsonb_build_object('id', gen_random_uuid(), 'sku', 'RACE')) r
       WHERE p.merchant_id = $1 AND p.sku = 'TEMPLATE'`,
      [merchant.id],
    );
    const racing = client.put("/v1/inventory", { items: [item(store.id, "RACE")] }).then((answer) => answer);
    // The barrier: the PUT's upsert is waiting on the held row's lock.
    for (let waited = 0; ; waited++) {
      const { rows } = await db.pool.query(
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO%products%'",
      );
      if (rows.length > 0) break;
      if (waited > 500) throw new Error("the PUT never waited on the held product row");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await holder.query("COMMIT");
    const answer = await racing;

    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const { rows } = await db.pool.query(
      `SELECT p.id, i.quantity::text FROM products p JOIN inventory_items i ON i.product_id = p.id
        WHERE p.merchant_id = $1 AND p.sku = 'RACE'`,
      [merchant.id],
    );
    expect(rows).toEqual([{ id: expect.any(String), quantity: "4.000" }]);
  });
});
