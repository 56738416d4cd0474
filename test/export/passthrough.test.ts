// The NDJSON export of transactions passes PostgreSQL's bytes through (src/export/stream.ts: each batch a
// binary COPY of the list's page statement, db/sql.ts's pgCopy): the records must be byte for byte what
// the same statement renders when pg decodes it, whatever characters they hold; its checkpoints must
// resume exactly. A client leaving mid-COPY: stop.test.ts.
import { describe, expect, it } from "vitest";
import { walkOf } from "../../src/db/paging.js";
import { run } from "../../src/db/sql.js";
import { Tenant } from "../../src/db/tenant.js";
import { KEPT_LINES_BATCH, KEPT_LINES_FIRST_BATCH } from "../../src/export/transactions.js";
import { prose } from "../../src/lib/prose.js";
import { transactionListing } from "../../src/transactions/list-query.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";
import { seedReceipts } from "./bulk.js";
import { call, listen, parseNdjson } from "./http.js";

const { app, db } = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "1000" } });
const base = await listen(app);
const PATH = "/v1/export/transactions";

/** Every character a record's text could make awkward: quotes, backslashes, escapes, controls, any Unicode. */
const AWKWARD =
  `O'Neil "AJ" \\ back\\slash \\n \\u0000 / line\nbreak\r\ttab \u0001\u001f ` + `ünïcødé ✓ 🌿 \u2028\u2029 $1 $$ --`;

async function store() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { name: `Store ${AWKWARD}` });
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  return { merchant, location, key };
}

const exportOf = async (key: string, query: Record<string, string | number> = {}) => {
  const answer = await call(base, PATH, key, query);
  expect(answer.status, answer.text).toBe(200);
  return { ...answer, ...parseNdjson(answer.text) };
};

/** The records as the page statement renders them when pg decodes its rows (no COPY), one line each. */
async function renderedByPg(merchantId: string, shape: "standard" | "aiq") {
  const walk = walkOf(transactionListing, new Tenant(merchantId), {}, { format: shape, oneLine: true });
  const rows = await run(db.pool, walk.statement({ after: null, upper: "2999-01-01T00:00:00.000000Z", take: 1000 }));
  return rows.map((row) => row.record);
}

describe("the NDJSON export's records passed through from COPY", () => {
  it(prose`
    when names hold quotes, backslashes, escapes, control characters, line separators and emoji, then each exported
    line is byte for byte the record the page statement renders, in both shapes, one line each
  `, async () => {
    const { merchant, location, key } = await store();
    const customer = await makeCustomer(db, merchant.id, { firstName: AWKWARD, lastName: `\\${AWKWARD}\\` });
    await makeTransaction(db, location, {
      posId: `R-${AWKWARD}`,
      customerId: customer.id,
      lines: [
        { name: AWKWARD, brand: `"${AWKWARD}"`, quantity: "1" },
        { name: "\\", quantity: "2" },
      ],
    });
    await makeTransaction(db, location, { lines: [{ name: `{"export":"end"} ${AWKWARD}` }] });

    for (const shape of ["standard", "aiq"] as const) {
      const answer = await exportOf(key, { shape });
      const expected = await renderedByPg(merchant.id, shape);
      expect(expected).toHaveLength(2);
      const lines = answer.text.split("\n");
      // The records, then the end line, then nothing after its newline.
      expect(lines.slice(0, 2)).toEqual(expected);
      expect(lines.slice(2)).toEqual([expect.stringMatching(/^\{"export":"end"/), ""]);
      expect(answer.records.map((record) => JSON.stringify(record))).toEqual(
        expected.map((text) => JSON.stringify(JSON.parse(text))),
      );
    }
    const [first] = (await exportOf(key)).records as { line_items: { name: string }[] }[];
    expect(first!.line_items[0]!.name).toBe(AWKWARD);
  });

  it(prose`
    when an export of many batches is resumed from any of its checkpoints, then it serves exactly the records after
    that checkpoint, though every receipt has the same change time (the id decides)
  `, async () => {
    const { location, key } = await store();
    // One statement: every receipt has the same updated_at.
    // A first batch, then larger ones: a checkpoint after each but the last.
    const total = KEPT_LINES_FIRST_BATCH + Math.round(2.4 * KEPT_LINES_BATCH);
    await seedReceipts(db.pool, location, total);
    const whole = await exportOf(key);
    expect(whole.end).toMatchObject({ records: total, has_more: false });
    expect(whole.checkpoints.map((c) => c.records)).toEqual(
      [0, 1, 2].map((n) => KEPT_LINES_FIRST_BATCH + n * KEPT_LINES_BATCH),
    );
    const ids = whole.records.map((r) => (r as { id: string }).id);
    const byOrder = await db.pool.query<{ id: string }>(
      "SELECT id FROM transactions WHERE location_id = $1 ORDER BY updated_at, id",
      [location.id],
    );
    expect(ids).toEqual(byOrder.rows.map((r) => r.id));

    for (const checkpoint of whole.checkpoints) {
      const rest = await exportOf(key, { cursor: checkpoint.next_cursor! });
      expect(rest.records.map((r) => (r as { id: string }).id)).toEqual(ids.slice(checkpoint.records));
      expect(rest.end).toMatchObject({ records: total - checkpoint.records, has_more: false });
    }
    // max_records ends mid-batch (the second: more than one batch reads the kept lines): its cursor continues exactly
    // after the last record sent.
    const most = KEPT_LINES_FIRST_BATCH + 277;
    const some = await exportOf(key, { max_records: most });
    expect(some.end).toMatchObject({ records: most, has_more: true });
    const after = await exportOf(key, { cursor: some.end!.next_cursor! });
    expect(after.records.map((r) => (r as { id: string }).id)).toEqual(ids.slice(most));
  });
});
