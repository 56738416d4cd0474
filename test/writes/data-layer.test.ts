// The receipt write path runs every statement that writes or locks its tables through the data layer
// (src/db/sql.ts), each under the writing key's merchant or a reviewed reason: what pg was sent is
// compared with what the data layer heard (onStatement), over every kind of receipt write.
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { onStatement, type Statement } from "../../src/db/sql.js";
import { createTestApp } from "../helpers/app.js";
import { as, makeTenant, receiptBody, saleLine } from "./helpers.js";

const { app, db } = await createTestApp();

afterEach(() => {
  vi.restoreAllMocks();
});

/** A statement that writes or locks a table of the write path (transactions, lines, audit, employees, idempotency). */
const TABLES = "(?:transactions|line_items|audit_entries|employees|idempotency_records)";
const WRITES = new RegExp(
  `\\b(?:insert\\s+into|update|delete\\s+from)\\s+"?${TABLES}"?\\b|\\bfor\\s+update\\b|pos_bridge_put_new_sale`,
  "i",
);

async function traffic(action: () => Promise<void>): Promise<{ sent: string[]; heard: Statement<unknown>[] }> {
  const sent: string[] = [];
  const heard: Statement<unknown>[] = [];
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    sent.push(typeof config === "string" ? config : (config.text ?? ""));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  const stop = onStatement((statement) => heard.push(statement));
  try {
    await action();
  } finally {
    stop();
    vi.restoreAllMocks();
  }
  return { sent, heard };
}

describe("the receipt write path on the data layer", () => {
  it(
    "when sales, a replacement with an embedded employee, a refund, a void and a batch are written, " +
      "then every statement that writes or locks their tables ran through the data layer under the key's merchant",
    async () => {
      const t = await makeTenant(db);
      const client = as(app, t.key);
      const { sent, heard } = await traffic(async () => {
        expect((await client.put("/v1/transactions/DL-1", receiptBody(t))).status).toBe(201);
        const replaced = receiptBody(t, {
          employee: { pos_id: "E-DL", first_name: "Sam" },
          lines: [saleLine(), saleLine({ sku: "SKU-DL-2" })],
        });
        expect((await client.put("/v1/transactions/DL-1", replaced)).status).toBe(200);
        const refund = receiptBody(t, {
          original_pos_id: "DL-1",
          transacted_at: "2026-03-03T12:00:00-07:00",
          lines: [saleLine({ quantity: -1, discount: "-2.50", tax: "-2.44" })],
        });
        expect((await client.put("/v1/transactions/DL-R", refund)).status).toBe(201);
        const voided = await client.post("/v1/transactions/DL-R/void", {}).set("Idempotency-Key", "dl-void-1");
        expect(voided.status).toBe(200);
        const batch = await client.post("/v1/transactions/batch", {
          receipts: [
            { pos_id: "DL-2", ...receiptBody(t) },
            { pos_id: "DL-3", ...receiptBody(t, { lines: [saleLine({ sku: "SKU-DL-3" })] }) },
          ],
        });
        expect(batch.body.summary).toMatchObject({ created: 2, error: 0 });
      });

      const writes = sent.filter((text) => WRITES.test(text));
      const heardText = new Set(heard.map((s) => s.compiled.sql));
      // The scenario reached every kind of write (so the comparison below is not vacuous).
      for (const kind of [
        /pos_bridge_put_new_sale/,
        /delete from "?line_items"?/i,
        /insert into "?line_items"?/i,
        /insert into "?employees"?/i,
        /update "?transactions"?.* set "?status"?/i,
        /insert into "?idempotency_records"?/i,
        /insert into "?audit_entries"?/i,
        /for update/i,
      ]) {
        expect(
          writes.some((text) => kind.test(text)),
          String(kind),
        ).toBe(true);
      }
      expect(writes.filter((text) => !heardText.has(text))).toEqual([]);
      for (const statement of heard) {
        const scope = statement.scope;
        if ("tenant" in scope) expect(scope.tenant.merchantId).toBe(t.merchant.id);
        // The key's lookup by prefix comes before any merchant is known; transaction control and SKU
        // locks touch no table.
        else expect(["key-lookup", "no-tenant-table"], statement.compiled.sql).toContain(scope.reviewed);
      }
    },
  );
});
