import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import {
  as,
  auditOf,
  feedTip,
  makeTenant,
  pollFrom,
  receiptBody,
  receiptRow,
  saleLine,
  type Tenant,
} from "./helpers.js";

const { app, db } = await createTestApp();

/** A sale of 2 × SKU-BD-35 and 1 × SKU-PR, costs known. */
async function sale(t: Tenant, posId: string) {
  const res = await as(app, t.key).put(
    `/v1/transactions/${posId}`,
    receiptBody(t, {
      lines: [
        saleLine({ unit_cost: "12.5000" }),
        saleLine({
          sku: "SKU-PR",
          name: "Pre-roll",
          unit_price: "10.00",
          quantity: 1,
          discount: 0,
          tax: "0.80",
          unit_cost: "3.0000",
        }),
      ],
    }),
  );
  expect(res.status).toBe(201);
  return res.body;
}

const refundLine = (overrides: Record<string, unknown> = {}) =>
  saleLine({ quantity: -1, discount: "-2.50", tax: "-2.44", ...overrides });
const refundBody = (t: Tenant, original: string, lines: unknown[]) =>
  receiptBody(t, { original_pos_id: original, transacted_at: "2026-03-03T12:00:00-07:00", lines });

describe("refunds", () => {
  it(prose`
    when a partial refund with negative quantities names its sale, then it is stored linked to it, with the sale's cost,
    and appears in the feed
  `, async () => {
    const t = await makeTenant(db);
    const s = await sale(t, "S-1");
    const client = as(app, t.key);
    const tip = await feedTip(client, "/v1/transactions");
    const res = await client.put("/v1/transactions/RF-1", refundBody(t, "S-1", [refundLine()]));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: "refund",
      original_transaction: { id: s.id, pos_id: "S-1" },
      totals: { subtotal: "-35.00", discount: "-2.50", tax: "-2.44", total: "-34.94", cost: "-12.5000" },
    });
    expect(res.body.line_items[0]).toMatchObject({ quantity: "-1.000", unit_cost: "12.5000", line_total: "-34.94" });
    const seen = await pollFrom(client, "/v1/transactions", tip);
    expect(seen.map((r) => [r.pos_id, r.kind, r.original_transaction?.pos_id])).toEqual([["RF-1", "refund", "S-1"]]);
  });

  it(prose`
    when a refund gives back more than was sold, then 422 saying which line and by how much, and nothing is stored
  `, async () => {
    const t = await makeTenant(db);
    await sale(t, "S-2");
    const res = await as(app, t.key).put(
      "/v1/transactions/RF-2",
      refundBody(t, "S-2", [
        refundLine({ sku: "SKU-PR", quantity: -1, discount: 0, tax: 0 }),
        refundLine({ quantity: -3 }),
      ]),
    );
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      {
        location: "body.lines.1.quantity",
        message: "line 2 (sku SKU-BD-35): refunds 3 but only 2 remains refundable (sold 2, already refunded 0).",
        code: "over_refund",
      },
    ]);
    expect(await receiptRow(db, t.merchant.id, "RF-2")).toBeNull();
  });

  it(prose`
    when earlier refunds took part of the sale, then a refund of more than the rest is refused, naming what was already
    refunded
  `, async () => {
    const t = await makeTenant(db);
    await sale(t, "S-3");
    expect((await as(app, t.key).put("/v1/transactions/RF-3a", refundBody(t, "S-3", [refundLine()]))).status).toBe(201);
    const res = await as(app, t.key).put(
      "/v1/transactions/RF-3b",
      refundBody(t, "S-3", [refundLine({ quantity: -2 })]),
    );
    expect(res.status).toBe(422);
    expect(res.body.errors[0].message).toBe(
      "line 1 (sku SKU-BD-35): refunds 2 but only 1 remains refundable (sold 2, already refunded 1).",
    );
    // The refund itself may be replaced by a version within bounds: its own previous version does not count against it.
    const replaced = await as(app, t.key).put(
      "/v1/transactions/RF-3a",
      refundBody(t, "S-3", [refundLine({ quantity: -2, discount: "-5.00", tax: "-4.88" })]),
    );
    expect(replaced.status).toBe(200);
    expect(replaced.headers["write-result"]).toBe("updated");
  });

  it("when a refund names a sku the sale did not sell, then 422", async () => {
    const t = await makeTenant(db);
    await sale(t, "S-4");
    const res = await as(app, t.key).put("/v1/transactions/RF-4", refundBody(t, "S-4", [refundLine({ sku: "OTHER" })]));
    expect(res.status).toBe(422);
    expect(res.body.errors[0].message).toBe("line 1 (sku OTHER): refunds 1 but the sale did not sell this sku.");
  });

  it("when the sale is unknown, voided or itself a refund, then 422 naming original_pos_id", async () => {
    const t = await makeTenant(db);
    const unknown = await as(app, t.key).put("/v1/transactions/RF-5", refundBody(t, "NOPE", [refundLine()]));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0]).toMatchObject({ location: "body.original_pos_id", code: "unknown_original" });

    await sale(t, "S-5");
    await as(app, t.key).put("/v1/transactions/RF-5a", refundBody(t, "S-5", [refundLine()]));
    const ofRefund = await as(app, t.key).put("/v1/transactions/RF-5b", refundBody(t, "RF-5a", [refundLine()]));
    expect(ofRefund.body.errors[0]).toMatchObject({ location: "body.original_pos_id", code: "original_not_a_sale" });

    await sale(t, "S-6");
    await as(app, t.key).post("/v1/transactions/S-6/void");
    const ofVoided = await as(app, t.key).put("/v1/transactions/RF-6", refundBody(t, "S-6", [refundLine()]));
    expect(ofVoided.body.errors[0]).toMatchObject({ location: "body.original_pos_id", code: "original_voided" });
  });

  it("when a refund line is positive, or its discount positive, then 422", async () => {
    const t = await makeTenant(db);
    await sale(t, "S-7");
    const res = await as(app, t.key).put(
      "/v1/transactions/RF-7",
      refundBody(t, "S-7", [refundLine({ quantity: 1 }), refundLine({ discount: "2.50" })]),
    );
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { location: string }) => e.location)).toEqual([
      "body.lines.0.quantity",
      "body.lines.1.discount",
    ]);
  });

  it(prose`
    when a refunded sale is replaced with fewer units than were refunded, then 422; with enough, it is updated
  `, async () => {
    const t = await makeTenant(db);
    await sale(t, "S-8");
    await as(app, t.key).put(
      "/v1/transactions/RF-8",
      refundBody(t, "S-8", [refundLine({ quantity: -2, discount: "-5.00", tax: "-4.88" })]),
    );
    const fewer = await as(app, t.key).put(
      "/v1/transactions/S-8",
      receiptBody(t, { lines: [saleLine({ quantity: 1 })] }),
    );
    expect(fewer.status).toBe(422);
    expect(fewer.body.errors[0]).toMatchObject({
      code: "refunded_more_than_sold",
      message: expect.stringContaining("sku SKU-BD-35: the receipt would sell 1 but 2 were already refunded"),
    });
    const enough = await as(app, t.key).put(
      "/v1/transactions/S-8",
      receiptBody(t, { lines: [saleLine({ quantity: 2, tax: "4.89" })] }),
    );
    expect(enough.status).toBe(200);
  });
});

describe("POST /v1/transactions/{pos_id}/void", () => {
  it(prose`
    when a receipt is voided, then it is voided with the time given, appears in the feed, and a repeat changes nothing
  `, async () => {
    const t = await makeTenant(db);
    await sale(t, "V-1");
    const client = as(app, t.key);
    const tip = await feedTip(client, "/v1/transactions");
    const res = await client.post("/v1/transactions/V-1/void", { voided_at: "2026-03-01T18:45:00-07:00" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "voided", voided_at: "2026-03-02T01:45:00.000000Z" });
    const seen = await pollFrom(client, "/v1/transactions", tip);
    expect(seen.map((r) => [r.pos_id, r.status, r.voided_at])).toEqual([
      ["V-1", "voided", "2026-03-02T01:45:00.000000Z"],
    ]);

    const afterVoid = await feedTip(client, "/v1/transactions");
    const again = await client.post("/v1/transactions/V-1/void", { voided_at: "2026-03-05T00:00:00Z" });
    expect(again.status).toBe(200);
    expect(again.headers["write-result"]).toBe("unchanged");
    expect(again.body).toEqual(res.body);
    expect(await pollFrom(client, "/v1/transactions", afterVoid)).toEqual([]);
    expect((await auditOf(db, t.merchant.id)).filter((a) => a.action === "void")).toHaveLength(1);
  });

  it("when no time is given, then it is voided now; a voided receipt cannot then be replaced (409)", async () => {
    const t = await makeTenant(db);
    await sale(t, "V-2");
    const before = Date.now();
    const res = await as(app, t.key).post("/v1/transactions/V-2/void");
    expect(Date.parse(res.body.voided_at)).toBeGreaterThanOrEqual(before - 1000);
    const replaced = await as(app, t.key).put(
      "/v1/transactions/V-2",
      receiptBody(t, { lines: [saleLine({ quantity: 5 })] }),
    );
    expect(replaced.status).toBe(409);
  });

  it("when the receipt does not exist or belongs to another merchant, then 404", async () => {
    const t = await makeTenant(db);
    const other = await makeTenant(db);
    await sale(other, "V-3");
    expect((await as(app, t.key).post("/v1/transactions/V-3/void")).status).toBe(404);
    expect((await receiptRow(db, other.merchant.id, "V-3")).status).toBe("completed");
  });

  it("when voided_at is before the sale, then 422; when the body has an unknown field, then 400", async () => {
    const t = await makeTenant(db);
    await sale(t, "V-4");
    const early = await as(app, t.key).post("/v1/transactions/V-4/void", { voided_at: "2026-01-01T00:00:00Z" });
    expect(early.status).toBe(422);
    expect(early.body.errors[0].location).toBe("body.voided_at");
    expect((await as(app, t.key).post("/v1/transactions/V-4/void", { reason: "x" })).status).toBe(400);
  });

  it("when a sale still has refunds, then 409 naming them; once they are voided, the sale can be", async () => {
    const t = await makeTenant(db);
    await sale(t, "V-5");
    await as(app, t.key).put("/v1/transactions/RF-V5", refundBody(t, "V-5", [refundLine()]));
    const blocked = await as(app, t.key).post("/v1/transactions/V-5/void");
    expect(blocked.status).toBe(409);
    expect(blocked.body.detail).toContain("RF-V5");
    expect((await as(app, t.key).post("/v1/transactions/RF-V5/void")).status).toBe(200);
    expect((await as(app, t.key).post("/v1/transactions/V-5/void")).status).toBe(200);
  });

  it(prose`
    when a void is retried with the same Idempotency-Key, then the first answer is replayed; another body with that key
    is a 422
  `, async () => {
    const t = await makeTenant(db);
    await sale(t, "V-6");
    const first = await as(app, t.key)
      .post("/v1/transactions/V-6/void", { voided_at: "2026-03-01T19:00:00-07:00" })
      .set("Idempotency-Key", "void-V-6");
    const retry = await as(app, t.key)
      .post("/v1/transactions/V-6/void", { voided_at: "2026-03-01T19:00:00-07:00" })
      .set("Idempotency-Key", "void-V-6");
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.body).toEqual(first.body);
    const other = await as(app, t.key)
      .post("/v1/transactions/V-6/void", { voided_at: "2026-03-01T19:30:00-07:00" })
      .set("Idempotency-Key", "void-V-6");
    expect(other.status).toBe(422);
  });
});
