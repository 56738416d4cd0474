import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeMerchant } from "../helpers/factories.js";

const { app, db } = await createTestApp();

async function tenant() {
  const merchant = await makeMerchant(db);
  const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });
  return { merchant, key };
}

const list = (key: string, query: Record<string, string | number> = {}) =>
  request(app).get("/v1/customers").set("x-apikey", key).query(query);

/** Follows next_cursor while has_more; the ids served, in order. */
async function walk(key: string, query: Record<string, string | number>) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const res = await list(key, { ...query, ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    ids.push(...res.body.data.map((c: { id: string }) => c.id));
    if (!res.body.has_more) return { ids, last: res.body };
    cursor = res.body.next_cursor;
  }
}

describe("GET /v1/customers — the change feed", () => {
  it(prose`
    when customers exist, then every field is served, in change order, with complete_through and a continuation cursor
  `, async () => {
    const { merchant, key } = await tenant();
    const full = await makeCustomer(db, merchant.id, {
      posUser: "pos-1",
      posType: "online",
      email: "drake@example.com",
      phone: "+13035550142",
      firstName: "Drake",
      lastName: "Ross",
      address1: "4461 Prosper Dr",
      address2: "Apt 2217",
      city: "Dallas",
      state: "TX",
      zip: "76008",
      birthday: new Date("1985-05-16T00:00:00Z"),
      gender: "f",
      loyaltyOptIn: true,
      loyaltyChangedAt: new Date("2026-01-02T03:04:05.678Z"),
    });
    const bare = await makeCustomer(db, merchant.id, { email: null, phone: null, firstName: null, lastName: null });

    const res = await list(key);
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([full.id, bare.id]);
    expect(res.body.data[0]).toEqual({
      id: full.id,
      pos_user: "pos-1",
      pos_type: "online",
      email: "drake@example.com",
      phone: "+13035550142",
      first_name: "Drake",
      last_name: "Ross",
      address1: "4461 Prosper Dr",
      address2: "Apt 2217",
      city: "Dallas",
      state: "TX",
      zip: "76008",
      birthday: "1985-05-16",
      gender: "f",
      loyalty_opt_in: true,
      loyalty_changed_at: "2026-01-02T03:04:05.678000Z",
      visits: { first_visit_at: null, last_visit_at: null, visit_count: 0, lifetime_spend: "0.00" },
      deleted_at: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
    });
    expect(new Date(res.body.data[0].updated_at).getTime()).toBe(full.updatedAt.getTime());
    expect(res.body.data[1]).toMatchObject({
      pos_type: "in_store",
      email: null,
      phone: null,
      birthday: null,
      loyalty_opt_in: false,
      loyalty_changed_at: null,
    });
    expect(res.body.has_more).toBe(false);
    // Drained for now, but the feed continues: the cursor resumes after everything served.
    expect(res.body.next_cursor).toEqual(expect.any(String));
    expect(Date.parse(res.body.complete_through)).toBeGreaterThan(bare.updatedAt.getTime());
  });

  it("when a served customer changes, then the continuation cursor serves it again, and only it", async () => {
    const { merchant, key } = await tenant();
    const a = await makeCustomer(db, merchant.id);
    const b = await makeCustomer(db, merchant.id);
    const first = await list(key);
    expect(first.body.data.map((c: { id: string }) => c.id)).toEqual([a.id, b.id]);

    await db.prisma.customer.update({ where: { id: a.id }, data: { firstName: "Changed" } });
    const c = await makeCustomer(db, merchant.id);
    const next = await list(key, { cursor: first.body.next_cursor });
    expect(next.status).toBe(200);
    expect(next.body.data.map((x: { id: string; first_name: string }) => [x.id, x.first_name])).toEqual([
      [a.id, "Changed"],
      [c.id, "Avery"],
    ]);
  });

  it(prose`
    when a write commits after a poll passed its change time, then the next poll still serves it (lossless)
  `, async () => {
    const { merchant, key } = await tenant();
    const early = await makeCustomer(db, merchant.id);
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    try {
      await writer.query("BEGIN");
      await writer.query("UPDATE customers SET first_name = 'Late' WHERE id = $1", [early.id]);
      // Committed after the late write got its change time: without the horizon, serving it would
      // move the cursor past the late row before the row is visible.
      const after = await makeCustomer(db, merchant.id);

      const poll = await list(key);
      expect(poll.status).toBe(200);
      expect(poll.body.data.map((x: { id: string }) => x.id)).not.toContain(after.id);

      await writer.query("COMMIT");
      const { ids } = await walk(key, { cursor: poll.body.next_cursor });
      expect(ids).toEqual([early.id, after.id]);
      const late = await request(app).get(`/v1/customers/${early.id}`).set("x-apikey", key);
      expect(late.body.first_name).toBe("Late");
    } finally {
      await writer.end();
    }
  });

  it(prose`
    when updated_from and updated_to are given, then only changes in [from, to) are served and the range is complete
  `, async () => {
    const { merchant, key } = await tenant();
    const a = await makeCustomer(db, merchant.id);
    await sleep(2);
    const b = await makeCustomer(db, merchant.id);
    await sleep(2);
    const c = await makeCustomer(db, merchant.id);
    // Millisecond bounds that contain b's change time (µs) and exclude a's and c's.
    const from = new Date(Math.floor(b.updatedAt.getTime()));
    const to = new Date(b.updatedAt.getTime() + 1);
    expect(a.updatedAt.getTime()).toBeLessThan(from.getTime());
    expect(c.updatedAt.getTime()).toBeGreaterThanOrEqual(to.getTime());

    const res = await list(key, { updated_from: from.toISOString(), updated_to: to.toISOString() });
    expect(res.status).toBe(200);
    expect(res.body.data.map((x: { id: string }) => x.id)).toEqual([b.id]);
    // The bound sent, in the served form (microseconds).
    expect(res.body).toMatchObject({
      has_more: false,
      next_cursor: null,
      complete_through: to.toISOString().replace("Z", "000Z"),
    });
  });
});

describe("GET /v1/customers — paging", () => {
  it(prose`
    when walked two at a time while customers are inserted and changed, then every customer comes exactly once in order,
    changed ones again later
  `, async () => {
    const { merchant, key } = await tenant();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await makeCustomer(db, merchant.id));

    const page1 = await list(key, { limit: 2 });
    expect(page1.body).toMatchObject({ has_more: true });
    expect(page1.body.data.map((x: { id: string }) => x.id)).toEqual([made[0]!.id, made[1]!.id]);

    // Meanwhile: a served customer changes, an unserved one changes, a new one arrives.
    await db.prisma.customer.update({ where: { id: made[0]!.id }, data: { city: "Boulder" } });
    await db.prisma.customer.update({ where: { id: made[3]!.id }, data: { city: "Denver" } });
    const added = await makeCustomer(db, merchant.id);

    const rest = await walk(key, { limit: 2, cursor: page1.body.next_cursor });
    expect(rest.ids).toEqual([made[2]!.id, made[4]!.id, made[0]!.id, made[3]!.id, added.id]);
  });

  it("when limit is not given, then 100 come per page; when 1000, all of a larger set fit", async () => {
    const { merchant, key } = await tenant();
    await db.pool.query(
      `INSERT INTO customers (id, merchant_id, pos_user) SELECT gen_random_uuid(), $1,
        'bulk-' || i FROM generate_series(1, 150) i`,
      [merchant.id],
    );
    const byDefault = await list(key);
    expect(byDefault.body.data).toHaveLength(100);
    expect(byDefault.body.has_more).toBe(true);
    const all = await list(key, { limit: 1000 });
    expect(all.body.data).toHaveLength(150);
    expect(all.body.has_more).toBe(false);
  });
});

describe("GET /v1/customers — by creation time", () => {
  it(prose`
    when created_from/created_to are given, then customers created in [from, to) come in creation order, without
    complete_through
  `, async () => {
    const { merchant, key } = await tenant();
    const old = await makeCustomer(db, merchant.id, { createdAt: new Date("2025-03-01T00:00:00Z") });
    const older = await makeCustomer(db, merchant.id, { createdAt: new Date("2025-02-01T00:00:00Z") });
    await makeCustomer(db, merchant.id, { createdAt: new Date("2025-04-01T00:00:00Z") });

    const { ids, last } = await walk(key, {
      created_from: "2025-01-01T00:00:00Z",
      created_to: "2025-04-01T00:00:00Z",
      limit: 1,
    });
    expect(ids).toEqual([older.id, old.id]);
    expect(last).toMatchObject({ next_cursor: null, complete_through: null });
  });
});

describe("GET /v1/customers — lookups", () => {
  it("when looked up by phone in any common format, then the customers with that number come", async () => {
    const { merchant, key } = await tenant();
    const match = await makeCustomer(db, merchant.id, { phone: "+13035550199" });
    await makeCustomer(db, merchant.id, { phone: "+13035550100" });
    for (const phone of ["(303) 555-0199", "303.555.0199", "+1 303 555 0199", "13035550199"]) {
      const res = await list(key, { phone });
      expect(res.status).toBe(200);
      expect(res.body.data.map((x: { id: string }) => x.id)).toEqual([match.id]);
    }
  });

  it(prose`
    when looked up by email in any case, then the customer comes; combined with paging, each page keeps the lookup
  `, async () => {
    const { merchant, key } = await tenant();
    const a = await makeCustomer(db, merchant.id, { email: "shared@example.com" });
    await makeCustomer(db, merchant.id, { email: "other@example.com" });
    const b = await makeCustomer(db, merchant.id, { email: "shared@example.com" });
    const { ids } = await walk(key, { email: " Shared@Example.COM", limit: 1 });
    expect(ids).toEqual([a.id, b.id]);
  });

  it("when nobody has the phone or email, then an empty page, not a 404", async () => {
    const { key } = await tenant();
    const res = await list(key, { email: "nobody@example.com" });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });
});
