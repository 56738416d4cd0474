// An inventory PUT that creates a product links the earlier receipt lines of its SKU (UPDATE line_items), and the
// lines' statement trigger then writes those receipts' kept text (transactions.json_lines, migration
// 20261205110000_transaction_json_lines). Its locks, in order: the SKU lock (exclusive, src/lib/sku-locks.ts), the
// lines, their receipts. A receipt PUT takes them the other way round: its receipt (SELECT … FOR UPDATE), then the SKU
// lock (shared, for a line with no product found), then its lines (deleted). Interleaved so that each holds what the
// other needs, PostgreSQL finds a deadlock (40P01) and aborts one of the two: the first whose deadlock_timeout runs out
// while the cycle is closed, i.e. the one that began waiting first. withTransaction (src/lib/write-transaction.ts)
// runs the victim again, so both answer 2xx.
//
// The interleaving is forced by held transactions: one locks the employee row the receipt PUT upserts, so that PUT
// stops right after locking its receipt. With the inventory PUT waiting first, it then creates the product, takes the
// SKU lock, links the lines and waits on the receipt; released, the receipt PUT waits on what the inventory PUT holds:
// - the SKU lock, when the receipt still sells that SKU (its product, not yet committed, is not found);
// - the line rows the link updated, when the receipt's new lines are all of known products (no SKU lock taken).
// With the receipt PUT waiting first, a second held transaction locks the receipt's lines, so the inventory PUT stops
// at its link holding the SKU lock; the receipt PUT, released, waits on that SKU lock, and the link, released, closes
// the cycle after it. (Without the retry of 40P01 the first answers 503 from the inventory PUT, the third from the
// receipt PUT.)
//
// What follows the first deadlock is up to the scheduler: a row whose locker aborted is free to whoever asks first, so
// the victim's second attempt may lock the row the winner was woken for before the winner takes it, and the same cycle
// closes once more with the other one losing. So: at least one deadlock, and every one PostgreSQL found was retried.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { transactionRetries } from "../../src/metrics/registry.js";
import { until } from "../faults/helpers.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { staleKeptLines } from "../helpers/kept-lines.js";
import { appOver } from "../security/apps.js";
import { as, saleLine } from "../writes/helpers.js";

const db = await createTestDb();
const app = appOver(db);
// Held transactions: one on the receipt PUT's employee row, one on the receipt's lines.
const employeeHolder = new pg.Client({ connectionString: db.url });
const linesHolder = new pg.Client({ connectionString: db.url });
await employeeHolder.connect();
await linesHolder.connect();
afterAll(() => Promise.all([employeeHolder.end(), linesHolder.end()]));

const deadlockRetries = async () =>
  (await transactionRetries.get()).values.find((v) => v.labels.reason === "deadlock")?.value ?? 0;

/** Deadlocks PostgreSQL detected in this file's database (its statistics reach the view a moment later). */
async function deadlocksDetected(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    "SELECT pg_stat_clear_snapshot(), deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()",
  );
  return rows[0]!.n;
}

/** The backend waiting on a lock (of `locktype`, if given) that `blocker`'s backend holds, once there is one. */
async function waiterOn(blocker: number, what: string, locktype?: string): Promise<number> {
  let waiter: number | undefined;
  await until(
    what,
    async () => {
      const { rows } = await db.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_locks
          WHERE NOT granted AND ($2::text IS NULL OR locktype = $2) AND $1::int = ANY (pg_blocking_pids(pid))`,
        [blocker, locktype ?? null],
      );
      waiter = rows[0]?.pid;
      return waiter !== undefined;
    },
    20_000,
  );
  return waiter!;
}

const backendOf = async (client: pg.Client) =>
  (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;

describe("an inventory PUT linking a receipt's lines while a PUT of that receipt replaces them", () => {
  it.each([
    { first: "inventory", cycle: "the SKU lock", newSkus: ["LATE"] },
    { first: "inventory", cycle: "the linked line rows", newSkus: ["KNOWN"] },
    { first: "receipt", cycle: "the SKU lock", newSkus: ["LATE"] },
  ] as const)(
    prose`
      when the receipt PUT holds the receipt and waits on $cycle that the inventory PUT, waiting on the receipt, holds
      (the $first PUT waiting first), then PostgreSQL detects a deadlock, the loser runs again and both answer 2xx
      with the lines linked
    `,
    async ({ first: waitingFirst, newSkus }) => {
      const merchant = await makeMerchant(db);
      const store = await makeLocation(db, merchant.id);
      const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write", "inventory:read"] });
      const client = as(app, key);
      const stock = (sku: string) => ({ location_id: store.id, sku, name: `Product ${sku}`, quantity: 4 });
      expect((await client.put("/v1/inventory", { items: [stock("KNOWN")] })).status).toBe(200);
      const receipt = (skus: readonly string[], quantity: number, firstName: string) => ({
        location_id: store.id,
        transacted_at: "2026-03-01T18:30:00-07:00",
        employee: { pos_id: "E1", first_name: firstName },
        lines: skus.map((sku) => saleLine({ sku, name: `Line ${sku}`, quantity })),
      });
      // The receipt, sold before the SKU LATE had a product: its line is stored unlinked.
      const first = await client.put("/v1/transactions/R1", receipt(["LATE"], 2, "Ann"));
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      const retriesBefore = await deadlockRetries();
      const deadlocksBefore = await deadlocksDetected();

      await employeeHolder.query("BEGIN");
      await employeeHolder.query("SELECT 1 FROM employees WHERE merchant_id = $1 AND pos_id = 'E1' FOR UPDATE", [
        merchant.id,
      ]);
      if (waitingFirst === "receipt") {
        await linesHolder.query("BEGIN");
        await linesHolder.query(
          `SELECT 1 FROM line_items li JOIN transactions t ON t.id = li.transaction_id
            WHERE t.merchant_id = $1 AND t.pos_id = 'R1' FOR UPDATE OF li`,
          [merchant.id],
        );
      }
      const replacing = client.put("/v1/transactions/R1", receipt(newSkus, 3, "Bea")).then((answer) => answer);
      // The receipt PUT has locked R1 and waits on the held employee row.
      const receiptPid = await waiterOn(await backendOf(employeeHolder), "the receipt PUT waits on the employee row");
      const linking = client.put("/v1/inventory", { items: [stock("LATE")] }).then((answer) => answer);
      if (waitingFirst === "inventory") {
        // The inventory PUT has linked R1's line and its trigger waits on R1, which the receipt PUT holds.
        const inventoryPid = await waiterOn(receiptPid, "the inventory PUT's link waits on the locked receipt");
        const { rows } = await db.pool.query("SELECT query FROM pg_stat_activity WHERE pid = $1", [inventoryPid]);
        expect(rows[0].query).toMatch(/^UPDATE "line_items"/);
        await employeeHolder.query("COMMIT");
      } else {
        // The inventory PUT holds the SKU lock and its link waits on the held lines; the receipt PUT, released, waits
        // on the SKU lock; the link, released, then waits on R1.
        const inventoryPid = await waiterOn(
          await backendOf(linesHolder),
          "the inventory PUT's link waits on the lines",
        );
        await employeeHolder.query("COMMIT");
        await waiterOn(inventoryPid, "the receipt PUT waits on the SKU lock", "advisory");
        await linesHolder.query("COMMIT");
      }

      const [replaced, linked] = await Promise.all([replacing, linking]);
      expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
      expect(replaced.body).toMatchObject({ pos_id: "R1" });
      expect(linked.status, JSON.stringify(linked.body)).toBe(200);
      expect(linked.body.results).toEqual([expect.objectContaining({ sku: "LATE", result: "created" })]);
      const retried = (await deadlockRetries()) - retriesBefore;
      expect(retried).toBeGreaterThanOrEqual(1);
      await until(
        "PostgreSQL's statistics count the deadlocks",
        async () => (await deadlocksDetected()) >= deadlocksBefore + retried,
      );
      expect(await deadlocksDetected()).toBe(deadlocksBefore + retried);

      // The receipt holds the new lines, each linked to its SKU's product; its kept text is what its lines make.
      const { rows: lines } = await db.pool.query(
        `SELECT li.sku, li.quantity::int AS quantity, li.product_id = p.id AS linked, e.first_name
           FROM transactions t JOIN line_items li ON li.transaction_id = t.id
           LEFT JOIN products p ON p.merchant_id = t.merchant_id AND p.sku = li.sku
           JOIN employees e ON e.id = t.employee_id
          WHERE t.merchant_id = $1 AND t.pos_id = 'R1' ORDER BY li.line_number`,
        [merchant.id],
      );
      expect(lines).toEqual(newSkus.map((sku) => ({ sku, quantity: 3, linked: true, first_name: "Bea" })));
      const { rows: products } = await db.pool.query(
        `SELECT p.sku, i.quantity::int AS quantity FROM products p JOIN inventory_items i ON i.product_id = p.id
          WHERE p.merchant_id = $1 ORDER BY p.sku`,
        [merchant.id],
      );
      expect(products).toEqual([
        { sku: "KNOWN", quantity: 4 },
        { sku: "LATE", quantity: 4 },
      ]);
      expect(await staleKeptLines(db.pool)).toEqual([]);
    },
  );
});
