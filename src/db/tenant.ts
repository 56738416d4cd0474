// Tenant scoping, written once. Every statement on a merchant's rows takes its merchant condition
// (and, for a key limited to some stores, its location condition) or its merchant_id value from a
// Tenant, and db/sql.ts's tenantStatement() refuses a statement that does not contain one: the
// scope is found in the statement's compiled operation tree (by the identity of the node this file
// made), not by reading SQL text.
import { type OperationNode, type RawBuilder, type SqlBool, sql } from "kysely";
import type { AuthContext } from "../keys/scopes.js";

/** The nodes this file made, and whose scope each is. */
const scopeNodes = new WeakMap<object, Tenant>();

const marked = <T>(tenant: Tenant, expression: RawBuilder<T>): RawBuilder<T> => {
  scopeNodes.set(expression.toOperationNode(), tenant);
  return expression;
};

export interface ScopeOptions {
  /** Also limit to the key's stores (for a key limited to some; tables with a location_id). Default true. */
  locations?: boolean;
  /**
   * Hide the merchant from the planner (an uncorrelated sub-select), so a warm connection keeps one
   * plan for every merchant (lib/stable-plan.ts). For the hot pages.
   */
  opaque?: boolean;
}

export class Tenant {
  constructor(
    readonly merchantId: string,
    /** The stores the key is limited to; null: every store of the merchant. */
    readonly locationIds: string[] | null = null,
  ) {}

  /** The merchant's id as a uuid value: an inserted row's merchant_id. */
  get merchant(): RawBuilder<string> {
    return marked(this, sql<string>`${this.merchantId}::uuid`);
  }

  /** `alias.merchant_id = …`, and `alias.location_id = ANY(…)` when the key is limited to some stores. */
  where(alias: string, options: ScopeOptions = {}): RawBuilder<SqlBool> {
    const merchant = options.opaque ? sql`(SELECT ${this.merchantId}::uuid)` : sql`${this.merchantId}::uuid`;
    const condition = sql<SqlBool>`${sql.ref(`${alias}.merchant_id`)} = ${marked(this, merchant)}`;
    if (options.locations === false || !this.locationIds) return condition;
    return sql<SqlBool>`${condition} AND ${sql.ref(`${alias}.location_id`)} = ANY(${this.locationIds}::uuid[])`;
  }
}

/** The scope of a request's key. */
export const tenantOf = (auth: Pick<AuthContext, "merchantId" | "locationIds">): Tenant =>
  new Tenant(auth.merchantId, auth.locationIds);

// Plain values only: a ValueListNode (an insert's row) may hold the scope's own node (tenant.merchant).
const VALUE_KINDS = new Set(["ValueNode", "PrimitiveValueListNode"]);

/** The scopes found in a compiled statement's operation tree. */
export function scopesIn(root: OperationNode): Tenant[] {
  const found: Tenant[] = [];
  const seen = new Set<object>();
  const walk = (value: unknown) => {
    if (value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    const tenant = scopeNodes.get(value);
    if (tenant) found.push(tenant);
    // A value (a parameter, or a batch's arrays of them) holds no node: not walking it keeps the check
    // cheap for a 2,500-line insert.
    if (VALUE_KINDS.has((value as { kind?: string }).kind ?? "")) return;
    for (const child of Array.isArray(value) ? value : Object.values(value)) walk(child);
  };
  walk(root);
  return found;
}
