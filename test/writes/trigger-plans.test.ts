// The statement-level triggers that compare rows' old and new versions (the report marks of receipts and of lines,
// the receipts' kept lines: migration 20261206040000_trigger_row_changes_grouped) keep one plan per session, costed
// with the transition tables of their first run. Whatever that plan, a statement's cost must follow its rows: no plan
// may join old_rows to new_rows (as a nested loop, chosen for a first run of a row or two, it compared every old row
// with every new one: a 13,500-receipt INSERT took 84 s on a connection that had written single receipts first). A
// session writes single receipts, then thousands at once, with auto_explain reporting every statement run.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { seedReceipts } from "../export/bulk.js";
import { autoExplained, nodesOf, type PlanNode } from "../helpers/auto-explain.js";
import { createTestDb } from "../helpers/db.js";
import { makeLocation, makeMerchant } from "../helpers/factories.js";

const db = await createTestDb();
const merchant = await makeMerchant(db);
const location = await makeLocation(db, merchant.id);
const client = new pg.Client({ connectionString: db.url });
await client.connect();
afterAll(() => client.end());

/** Scans of a transition table (old_rows or new_rows: EXPLAIN does not name them) in a plan's subtree. */
const transitionScans = (node: PlanNode) =>
  nodesOf(node).filter((n) => n["Node Type"] === "Named Tuplestore Scan").length;

/** Joins of one transition table with the other: n² rows compared where that is a nested loop. */
const transitionJoins = (plans: PlanNode[]) =>
  plans
    .flatMap(nodesOf)
    .filter(
      (node) => /Join|Nested Loop/.test(node["Node Type"]) && node.Plans?.every((child) => transitionScans(child)),
    );

const count = async (text: string) => Number((await db.pool.query<{ n: string }>(text, [merchant.id])).rows[0]!.n);

describe("the write triggers' plans", () => {
  it(prose`
    when a session that wrote single receipts writes and changes thousands at once, then no trigger joins the rows' old
    versions to their new ones, and every change is still seen: each receipt's kept lines, each store-day's report mark
  `, async () => {
    // One receipt at a time first: each trigger's plan is made with transition tables of a row or two, and kept.
    const oneLine = "(SELECT id FROM line_items WHERE merchant_id = $1 ORDER BY id LIMIT 1)";
    for (let i = 0; i < 6; i++) {
      await seedReceipts(client, location, 1);
      await client.query(`UPDATE line_items SET name = name || '.' WHERE id = ${oneLine}`, [merchant.id]);
    }
    await db.pool.query("DELETE FROM report_rollup_stale");

    const plans = await autoExplained(client, async (c) => {
      await seedReceipts(c, location, 2_000, { start: new Date("2026-01-01T00:00:00Z") });
      await c.query("UPDATE line_items SET name = name || ' (2)' WHERE merchant_id = $1", [merchant.id]);
      await c.query("UPDATE transactions SET business_date = business_date + 400 WHERE merchant_id = $1", [
        merchant.id,
      ]);
    });

    // The triggers' comparisons ran (statements reading both transition tables), and none as a join of the two.
    expect(plans.filter((plan) => transitionScans(plan) === 2).length).toBeGreaterThan(0);
    expect(transitionJoins(plans)).toEqual([]);

    expect(await count("SELECT count(*) AS n FROM transactions WHERE merchant_id = $1")).toBe(2_006);
    expect(
      await count("SELECT count(*) AS n FROM transactions WHERE merchant_id = $1 AND json_lines LIKE '%(2)%'"),
    ).toBe(2_006);
    const unmarked = `SELECT count(*) AS n FROM (SELECT DISTINCT location_id, business_date FROM transactions
      WHERE merchant_id = $1) d WHERE NOT EXISTS (SELECT 1 FROM report_rollup_stale s WHERE s.merchant_id = $1
        AND s.location_id = d.location_id AND s.business_date = d.business_date)`;
    expect(await count(unmarked)).toBe(0);
    // The days the receipts moved from are marked too.
    const movedFrom = `SELECT count(*) AS n FROM report_rollup_stale
      WHERE merchant_id = $1 AND business_date < '2027-01-01'`;
    expect(await count(movedFrom)).toBeGreaterThan(0);
  }, 120_000);
});
