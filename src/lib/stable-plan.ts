// How a read statement keeps one plan for every request (the transactions, customers and
// inventory pages): prepared under a name derived from its text, with the values whose statistics
// would tilt PostgreSQL toward planning each request again hidden from the planner, and the page
// size a literal bound. PostgreSQL plans a prepared statement with its values (a custom plan) five
// times, then keeps a generic plan unless it looks costlier than those: a custom plan that sees a
// small merchant, or a cursor at the end of the feed (an empty poll), costs a few rows and beats
// the generic plan forever, so each such request was planned again (4-8 ms, more than running it).
import { createHash } from "node:crypto";
import { type RawBuilder, sql } from "kysely";

/** The query as a named (prepared) statement, one per distinct SQL text (per connection). */
export const preparedStatement = (prefix: string, text: string, values: unknown[]) => ({
  name: preparedName(prefix, text),
  text,
  values,
});

// Each text's digest, kept: hashing a record statement's few kilobytes of text on every execution
// showed in the CPU profile of single PUTs (~2% of the service's time). The texts are few (that is
// the point of preparing them); the bound only keeps a mistake from growing without end.
const digests = new Map<string, string>();
const MAX_DIGESTS = 4096;

function preparedName(prefix: string, text: string): string {
  let digest = digests.get(text);
  if (digest === undefined) {
    digest = createHash("sha1").update(text).digest("base64url").slice(0, 16);
    if (digests.size >= MAX_DIGESTS) digests.clear();
    digests.set(text, digest);
  }
  return `${prefix}-${digest}`;
}

/**
 * A value the planner cannot look into: an uncorrelated sub-select, evaluated once per run and still
 * used as an index bound. The plan is then the same for every value. (The merchant's is
 * db/tenant.ts's `where(alias, { opaque: true })`, of the same shape.)
 */
export const opaque = <T>(value: unknown, type: "timestamptz" | "uuid" | "uuid[]" | "text[]"): RawBuilder<T> =>
  sql<T>`(SELECT ${value}::${sql.raw(type)})`;

/**
 * A page's size as the planner sees it: the power of two at or above `rows`, written into the SQL as
 * a literal (the exact count follows as a parameter). A parameter's value is unknown to a generic
 * plan, which then assumes a tenth of the table and looks far costlier than the custom plans; with
 * the literal, the generic plan is costed for the page it serves. Powers of two keep the distinct
 * SQL texts (prepared statements per connection) to a dozen per filter combination.
 */
export const rowsBound = (rows: number) => 2 ** Math.ceil(Math.log2(Math.max(rows, 1)));

/**
 * A keyset pick's FROM addition that leaves PostgreSQL one cheap plan: the axis's index walked in order, stopped at
 * the LIMIT. It joins one row that the planner reckons a million: two set-returning calls whose length it cannot see
 * (a sub-select's value), a thousand rows each by its default. Without it, where the planner expects fewer rows than
 * the LIMIT (tables never analysed: a merchant's rows are guessed at 0.5% of the table, a few dozen on a small one),
 * reading the rows in index order has nothing to gain from stopping early, and a bitmap scan of every later row plus
 * a sort costs a little less on paper: ~20 ms for a page of the demo's 20,000 receipts, against 0.2 ms walked. With
 * the join, the pick looks a million times as large, so only a plan that can stop after the page's rows is cheap,
 * whatever the statistics say (a merchant counted small and grown since included). It costs ~0.05 ms a 1,000 rows.
 * Only for a pick with no filter besides the merchant, its stores and the time bounds: with one (a customer, a POS
 * id), another index may find the few rows, where walking in order would read until the page is filled.
 * WALK_IN_ORDER is the same as SQL text, for the statements written as text (a record's lines, record-sql.ts).
 */
export const WALK_IN_ORDER = `CROSS JOIN generate_series(1, (SELECT 1)) AS reckoned_a
    CROSS JOIN generate_series(1, (SELECT 1)) AS reckoned_b`;
export const walkInOrder = sql.raw(WALK_IN_ORDER);
