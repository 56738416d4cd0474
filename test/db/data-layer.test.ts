// The data layer's own rules (src/db/sql.ts, src/db/tenant.ts), against a real PostgreSQL.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import {
  onStatement,
  qb,
  reusable,
  reusableForMerchant,
  reviewedStatement,
  run,
  type Statement,
  tenantStatement,
} from "../../src/db/sql.js";
import { Tenant } from "../../src/db/tenant.js";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";
import { makeCustomer, makeMerchant } from "../helpers/factories.js";

const db = await createTestDb();

describe("data layer", () => {
  it(prose`
    when a statement on a merchant's table is built without the tenant's scope, then it is refused before it runs
  `, () => {
    const tenant = new Tenant("00000000-0000-0000-0000-000000000001");
    expect(() => tenantStatement(tenant, qb.selectFrom("customers").select("id"))).toThrow(
      /without its tenant's scope/,
    );
    // Another tenant's scope is not this tenant's.
    const other = new Tenant("00000000-0000-0000-0000-000000000002");
    expect(() =>
      tenantStatement(tenant, qb.selectFrom("customers").select("id").where(other.where("customers"))),
    ).toThrow(/without its tenant's scope/);
  });

  it(prose`
    when the scope is in a builder's WHERE or a raw fragment, then the statement runs and sees only that merchant's rows
  `, async () => {
    const a = await makeMerchant(db);
    const b = await makeMerchant(db);
    const heard: Statement<unknown>[] = [];
    const stop = onStatement((s) => heard.push(s));
    const tenant = new Tenant(a.id);
    const mine = await makeCustomer(db, a.id);
    await makeCustomer(db, b.id);
    const built = await run(
      db.pool,
      tenantStatement(tenant, qb.selectFrom("customers as c").select(["c.id", "c.pos_user"]).where(tenant.where("c"))),
    );
    const raw = await run(
      db.pool,
      tenantStatement(
        tenant,
        sql<{ id: string }>`SELECT c.id FROM customers c WHERE ${tenant.where("c", { opaque: true })}`,
      ),
    );
    stop();
    expect(built).toEqual([{ id: mine.id, pos_user: mine.posUser }]);
    expect(raw).toEqual([{ id: mine.id }]);
    expect(heard.map((s) => s.scope)).toEqual([{ tenant }, { tenant }]);
  });

  it(prose`
    when an insert's row carries the merchant (tenant.merchant) among plain values, then the scope is found there
  `, () => {
    const tenant = new Tenant("00000000-0000-0000-0000-000000000001");
    const insert = qb
      .insertInto("audit_entries")
      .values({ merchant_id: tenant.merchant, action: "a", entity: "e", detail: JSON.stringify({ big: [1, 2, 3] }) });
    expect(tenantStatement(tenant, insert).scope).toEqual({ tenant });
    const plain = qb.insertInto("audit_entries").values({ merchant_id: tenant.merchantId, action: "a", entity: "e" });
    expect(() => tenantStatement(tenant, plain)).toThrow(/without its tenant's scope/);
  });

  it("when a statement is built once and reused, then each call runs with its own values, same text", async () => {
    const a = await makeMerchant(db);
    const b = await makeMerchant(db);
    const bySlug = reusable(1, (slug: string) =>
      reviewedStatement("command", qb.selectFrom("merchants").select("id").where("slug", "=", slug)),
    );
    expect(await run(db.pool, bySlug(a.slug))).toEqual([{ id: a.id }]);
    expect(await run(db.pool, bySlug(b.slug))).toEqual([{ id: b.id }]);
    expect(bySlug(a.slug).compiled.sql).toBe(bySlug(b.slug).compiled.sql);
    expect(() =>
      reusable(1, (_slug: string) => reviewedStatement("command", qb.selectFrom("merchants").select("id"))),
    ).toThrow(/not a parameter/);
  });

  it(prose`
    when a merchant's statement is built once and reused, then each call runs under its own tenant's scope and sees only
    that merchant's rows; one limited to a key's stores is refused
  `, async () => {
    const a = await makeMerchant(db);
    const b = await makeMerchant(db);
    const ca = await makeCustomer(db, a.id, { posUser: "same-user" });
    const cb = await makeCustomer(db, b.id, { posUser: "same-user" });
    const byPosUser = reusableForMerchant(1, (tenant, posUser: string) =>
      qb
        .selectFrom("customers as c")
        .select("c.id")
        .where(tenant.where("c", { locations: false }))
        .where("c.pos_user", "=", posUser),
    );
    const [ta, tb] = [new Tenant(a.id), new Tenant(b.id, ["00000000-0000-0000-0000-00000000000a"])];
    const heard: Statement<unknown>[] = [];
    const stop = onStatement((statement) => heard.push(statement));
    try {
      expect(await run(db.pool, byPosUser(ta, "same-user"))).toEqual([{ id: ca.id }]);
      expect(await run(db.pool, byPosUser(tb, "same-user"))).toEqual([{ id: cb.id }]);
    } finally {
      stop();
    }
    expect(heard.map((s) => s.scope)).toEqual([{ tenant: ta }, { tenant: tb }]);
    expect(byPosUser(ta, "x").compiled.sql).toBe(byPosUser(tb, "x").compiled.sql);
    expect(() =>
      reusableForMerchant(1, (tenant, posUser: string) =>
        qb.selectFrom("customers as c").select("c.id").where(tenant.where("c")).where("c.pos_user", "=", posUser),
      ),
    ).toThrow(/limits rows to the key's stores/);
  });

  it("when a statement touches no merchant's rows, then it runs under a reviewed reason", async () => {
    const rows = await run(db.pool, reviewedStatement("no-tenant-table", sql<{ one: number }>`SELECT 1 AS one`));
    expect(rows).toEqual([{ one: 1 }]);
  });
});
