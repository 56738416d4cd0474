// The answer of PUT /v1/transactions/{pos_id} is the record GET /v1/transactions/{id} serves, as
// compact JSON (GET sends PostgreSQL's text as is; PUT's answer has always been that record
// serialised again), however the write went: a new sale (its record read in the write's round trip),
// an unchanged re-send, a replacement, a refund.
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeInventory, makeProduct } from "../helpers/factories.js";
import { as, makeTenant, receiptBody, saleLine } from "./helpers.js";

const { app, db } = await createTestApp();

describe("the answer of a single PUT", () => {
  it(prose`
    when a sale is created, re-sent, replaced and refunded, then each answer is the GET of its record, as compact JSON
  `, async () => {
    const t = await makeTenant(db);
    const client = as(app, t.key);
    const customer = await makeCustomer(db, t.merchant.id);
    const name = 'Crème brûlée 🍮 "quoted"';
    const product = await makeProduct(db, t.merchant.id, { sku: "SKU-Ä", name });
    await makeInventory(
      db,
      { merchantId: t.merchant.id, locationId: t.location.id, productId: product.id },
      { unitCost: "3.2500", quantity: "12.5" },
    );
    const sale = receiptBody(t, {
      customer_pos_user: customer.posUser,
      lines: [
        saleLine({ sku: "SKU-Ä", name, quantity: "1.5", discount: "0.10" }),
        saleLine({ sku: "SKU-NEW", name: "Line\nbreak\ttab \\ slash" }),
      ],
    });
    const refund = receiptBody(t, {
      original_pos_id: "ANS-1",
      lines: [saleLine({ sku: "SKU-NEW", quantity: "-1", discount: "0.00", tax: "0.00" })],
    });
    const puts: [string, unknown][] = [
      ["ANS-1", sale],
      ["ANS-1", sale],
      ["ANS-1", { ...sale, channel: "online" }],
      ["ANS-R", refund],
    ];
    const outcomes: unknown[] = [];
    for (const [posId, body] of puts) {
      const answer = await client.put(`/v1/transactions/${posId}`, body);
      outcomes.push([answer.status, answer.headers["write-result"]]);
      // Read before the next write: a refund changes its sale's record.
      const read = await client.get(`/v1/transactions/${JSON.parse(answer.text).id}`);
      expect(read.status).toBe(200);
      expect(answer.headers["content-type"]).toBe(read.headers["content-type"]);
      expect(answer.text).toBe(JSON.stringify(JSON.parse(read.text)));
    }
    expect(outcomes).toEqual([
      [201, "created"],
      [200, "unchanged"],
      [200, "updated"],
      [201, "created"],
    ]);
  });
});
