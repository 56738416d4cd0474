import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { as, makeTenant, receiptBody, saleLine } from "./helpers.js";

const { app, db } = await createTestApp();

describe("concurrent receipt writes", () => {
  it(prose`
    when 20 PUTs of the same new receipt with different bodies run at once, then exactly one body is stored, its lines
    not mixed with another's
  `, async () => {
    const t = await makeTenant(db);
    // Body i has i + 1 lines, all with sku prefix V<i>-, so a mix would show.
    const bodies = Array.from({ length: 20 }, (_, i) =>
      receiptBody(t, {
        lines: Array.from({ length: i + 1 }, (_, j) => saleLine({ sku: `V${i}-${j}`, quantity: i + 1 })),
      }),
    );
    const answers = await Promise.all(bodies.map((body) => as(app, t.key).put("/v1/transactions/RACE-1", body)));
    // One created it; each of the others replaced it (or found its own body already there).
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    const { rows: txs } = await db.pool.query("SELECT id, body_hash FROM transactions WHERE merchant_id = $1", [
      t.merchant.id,
    ]);
    expect(txs).toHaveLength(1);
    const { rows: lines } = await db.pool.query(
      "SELECT sku, quantity::int AS q, line_number FROM line_items WHERE transaction_id = $1 ORDER BY line_number",
      [txs[0].id],
    );
    const variant = Number(/^V(\d+)-/.exec(lines[0].sku)![1]);
    expect(lines).toEqual(
      Array.from({ length: variant + 1 }, (_, j) => ({ sku: `V${variant}-${j}`, q: variant + 1, line_number: j + 1 })),
    );
    // The stored receipt is the one a final read answers, totals agreeing with its lines.
    const last = await as(app, t.key).get(`/v1/transactions/${txs[0].id}`);
    expect(last.body.line_items).toHaveLength(variant + 1);
    expect(last.body.totals.subtotal).toBe(`${35 * (variant + 1) * (variant + 1)}.00`);
  });

  it("when 20 PUTs of an existing receipt run at once, then it ends with one of those bodies whole", async () => {
    const t = await makeTenant(db);
    await as(app, t.key).put("/v1/transactions/RACE-2", receiptBody(t));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        as(app, t.key).put(
          "/v1/transactions/RACE-2",
          receiptBody(t, { lines: [saleLine({ sku: `W${i}-a` }), saleLine({ sku: `W${i}-b` })] }),
        ),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const { rows } = await db.pool.query(
      "SELECT l.sku FROM line_items l JOIN transactions t ON t.id = l.transaction_id WHERE t.merchant_id = $1 ORDER " +
        "BY l.line_number",
      [t.merchant.id],
    );
    const prefix = rows[0].sku.split("-")[0];
    expect(rows.map((r) => r.sku)).toEqual([`${prefix}-a`, `${prefix}-b`]);
  });

  it(prose`
    when 10 refunds of one unit each race for a sale of 3, then exactly 3 are stored and 7 are refused as over-refunds
  `, async () => {
    const t = await makeTenant(db);
    await as(app, t.key).put("/v1/transactions/RACE-S", receiptBody(t, { lines: [saleLine({ quantity: 3 })] }));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        as(app, t.key).put(
          `/v1/transactions/RACE-R${i}`,
          receiptBody(t, { original_pos_id: "RACE-S", lines: [saleLine({ quantity: -1, discount: 0, tax: 0 })] }),
        ),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 422 && a.body.errors[0].code === "over_refund")).toHaveLength(7);
    const { rows } = await db.pool.query(
      "SELECT -sum(l.quantity)::int AS refunded FROM line_items l JOIN transactions r ON r.id = l.transaction_id " +
        "WHERE r.merchant_id = $1 AND r.kind = 'refund'",
      [t.merchant.id],
    );
    expect(rows[0].refunded).toBe(3);
  });
});
