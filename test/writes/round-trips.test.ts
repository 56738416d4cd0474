// How many times one PUT of a receipt waits on PostgreSQL (issue 11: at most 3 for a new sale), counted
// by test/helpers/round-trips.ts (a pipelined statement joins the trip it was sent in).
import { afterEach, describe, expect, it, vi } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { lockSkusExclusive } from "../../src/lib/sku-locks.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeInventory, makeProduct } from "../helpers/factories.js";
import { roundTripsOf, shown } from "../helpers/round-trips.js";
import { as, makeTenant, receiptBody, receiptRow, saleLine, sleep, type Tenant } from "./helpers.js";

const { app, db } = await createTestApp();

afterEach(() => {
  vi.restoreAllMocks();
});

/** A tenant whose key has been used once already: its last_used_at is recorded (at most once a minute per key). */
async function usedTenant(): Promise<Tenant> {
  const t = await makeTenant(db);
  expect((await as(app, t.key).get("/v1/transactions?limit=1")).status).toBe(200);
  for (let i = 0; i < 100; i++) {
    const { rows } = await db.pool.query("SELECT last_used_at FROM api_keys WHERE id = $1", [t.keyId]);
    if (rows[0]?.last_used_at) return t;
    await sleep(10);
  }
  throw new Error("the key's use was never recorded");
}

describe("round trips of PUT /v1/transactions/{pos_id}", () => {
  it(prose`
    when a new plain sale is PUT, then it takes at most 2 round trips to PostgreSQL, its record read in the write's
  `, async () => {
    const t = await usedTenant();
    const trips = await roundTripsOf(async () => {
      const res = await as(app, t.key).put("/v1/transactions/RT-1", receiptBody(t));
      expect(res.status).toBe(201);
    });
    expect(trips.length, shown(trips)).toBeLessThanOrEqual(2);
    expect((await receiptRow(db, t.merchant.id, "RT-1"))?.lines).toHaveLength(1);
  });

  it(prose`
    when a new sale names its customer and employee by POS id and has a known and an unknown sku, then still at most 2,
    and the links and costs are stored
  `, async () => {
    const t = await usedTenant();
    const customer = await makeCustomer(db, t.merchant.id);
    await db.pool.query(
      "INSERT INTO employees (id, merchant_id, pos_id, first_name) VALUES (gen_random_uuid(), $1, 'E-7', 'Sam')",
      [t.merchant.id],
    );
    const product = await makeProduct(db, t.merchant.id, { sku: "SKU-KNOWN" });
    await makeInventory(
      db,
      { merchantId: t.merchant.id, locationId: t.location.id, productId: product.id },
      { unitCost: "3.2500" },
    );
    const trips = await roundTripsOf(async () => {
      const res = await as(app, t.key).put(
        "/v1/transactions/RT-2",
        receiptBody(t, {
          customer_pos_user: customer.posUser,
          employee_pos_id: "E-7",
          lines: [saleLine({ sku: "SKU-KNOWN" }), saleLine({ sku: "SKU-NEW" })],
        }),
      );
      expect(res.status).toBe(201);
      expect(res.body.customer).toMatchObject({ pos_user: customer.posUser });
    });
    expect(trips.length, shown(trips)).toBeLessThanOrEqual(2);
    const row = await receiptRow(db, t.merchant.id, "RT-2");
    expect(row.employee_id).not.toBeNull();
    expect(row.cost_total).toBeNull();
    expect(
      row.lines.map((l: { sku: string; product_id: string | null; unit_cost: string | null }) => [
        l.sku,
        l.product_id,
        l.unit_cost,
      ]),
    ).toEqual([
      ["SKU-KNOWN", product.id, "3.2500"],
      ["SKU-NEW", null, null],
    ]);
  });

  it("when the same sale is PUT again, then it is unchanged in at most 3 round trips", async () => {
    const t = await usedTenant();
    const client = as(app, t.key);
    expect((await client.put("/v1/transactions/RT-3", receiptBody(t))).status).toBe(201);
    const trips = await roundTripsOf(async () => {
      const res = await client.put("/v1/transactions/RT-3", receiptBody(t));
      expect(res.headers["write-result"]).toBe("unchanged");
    });
    expect(trips.length, shown(trips)).toBeLessThanOrEqual(3);
  });
});

describe("the one-call write of a new sale (pos_bridge_put_new_sale)", () => {
  it(prose`
    when the product of a new sku commits while the sale waits on its SKU lock, then the sale's line links to it
  `, async () => {
    const t = await usedTenant();
    // A product creator (PUT /v1/inventory) holds the SKU's exclusive lock with its product not yet committed.
    const creator = await db.pool.connect();
    try {
      await creator.query("BEGIN");
      await lockSkusExclusive(creator, t.merchant.id, ["SKU-LATE"]);
      const { rows } = await creator.query<{ id: string }>(
        "INSERT INTO products (id, merchant_id, sku, name) VALUES (gen_random_uuid(), $1, 'SKU-LATE', 'Late') " +
          "RETURNING id",
        [t.merchant.id],
      );
      const put = as(app, t.key)
        .put("/v1/transactions/RT-LATE", receiptBody(t, { lines: [saleLine({ sku: "SKU-LATE" })] }))
        .then((res) => res);
      // The sale has looked the sku up (no product yet) and now waits for the lock.
      for (let i = 0; ; i++) {
        const waiting = await db.pool.query(
          "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM " +
            "pg_database WHERE datname = current_database())",
        );
        if (waiting.rowCount) break;
        if (i > 500) throw new Error("the sale never waited on the SKU lock");
        await sleep(10);
      }
      // Committed without linking: the sale's line did not exist yet for the creator to link.
      await creator.query("COMMIT");
      expect((await put).status).toBe(201);
      const row = await receiptRow(db, t.merchant.id, "RT-LATE");
      expect(row.lines.map((l: { product_id: string | null }) => l.product_id)).toEqual([rows[0]!.id]);
    } finally {
      creator.release();
    }
  });
});
