// The audit trail over every write route the router has: each write that changes something records
// who (the key's id), when, and what (action, entity, the id of the row written, the route), in the
// same transaction; the detail holds no personal data, though every request below carries plenty;
// a refused or an identical write records nothing. A guard fails for a write route without a
// scenario here.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import type { RouteDef } from "../../src/lib/route.js";
import { routes } from "../../src/routes.js";
import { createTestDb } from "../helpers/db.js";
import { makeCustomer, makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";
import { appOver } from "./apps.js";

const db = await createTestDb();
const app = appOver(db, { env: { RATE_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "100000" } });

const label = (route: Pick<RouteDef, "method" | "path">) => `${route.method.toUpperCase()} ${route.path}`;
const writeRoutes = routes.filter((route) => route.method !== "get");

/** Personal data, as sent (several spellings) and as stored. */
const PII = {
  first_name: "Philippa",
  last_name: "Oyelaran-Whitcombe",
  email: "Philippa.Whitcombe@Example.com",
  phone: "(720) 555-0187",
  address1: "1600 Larimer Street",
  address2: "Unit 42B",
  city: "Lakewood",
  zip: "80226",
  birthday: "1984-09-17",
};
const FORBIDDEN = [
  ...Object.values(PII),
  PII.email.toLowerCase(),
  "+17205550187",
  "5550187",
  "555-0187",
  "Whitcombe",
  "Philippa",
  "Larimer",
  "42B",
];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const customerBody = { ...PII, state: "CO", gender: "female", loyalty_opt_in: true };
const budtender = { first_name: "Bartholomew", last_name: "Quisenberry" };

interface AuditRow {
  merchant_id: string;
  api_key_id: string;
  action: string;
  entity: string;
  entity_id: string;
  detail: Record<string, unknown>;
  at: Date;
}

async function tenant() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id, { posId: `store-${merchant.id.slice(-6)}` });
  const { key, record } = await makeKey(db, merchant.id);
  const call = (method: RouteDef["method"], path: string, body?: unknown, headers: Record<string, string> = {}) => {
    let req = request(app)[method](path).set("x-apikey", key);
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    return body === undefined ? req : req.send(body as object);
  };
  return { merchant, location, key, keyId: record.id, call };
}
type Tenant = Awaited<ReturnType<typeof tenant>>;

/** The entries a write added: the merchant's entries after those that were there before. */
async function entriesDuring(t: Tenant, write: () => Promise<request.Response>) {
  const { rows: last } = await db.pool.query<{ id: string | null }>(
    "SELECT max(id)::text AS id FROM audit_entries WHERE merchant_id = $1",
    [t.merchant.id],
  );
  const started = Date.now();
  const res = await write();
  const ended = Date.now();
  const { rows } = await db.pool.query<AuditRow>(
    "SELECT * FROM audit_entries WHERE merchant_id = $1 AND id > $2 ORDER BY id",
    [t.merchant.id, last[0]!.id ?? "0"],
  );
  return { res, entries: rows, started, ended };
}

/**
 * Who, when, what: every entry names the key, falls within the request, names the route; no personal data in any
 * detail.
 */
function expectAccountable(
  t: Tenant,
  route: string,
  { entries, started, ended }: Awaited<ReturnType<typeof entriesDuring>>,
) {
  expect(entries.length).toBeGreaterThan(0);
  for (const entry of entries) {
    expect(entry).toMatchObject({
      merchant_id: t.merchant.id,
      api_key_id: t.keyId,
      detail: expect.objectContaining({ via: route }),
    });
    // The database's clock and this process's are the same machine's; a second of slack for rounding.
    expect(entry.at.getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(entry.at.getTime()).toBeLessThanOrEqual(ended + 1000);
    // Ids are never personal data, and random hex can spell a short value ("42b" turned up inside a location_id).
    const detail = JSON.stringify(entry.detail).toLowerCase().replace(UUID, "<id>");
    for (const value of FORBIDDEN)
      expect(detail, `audit detail of ${entry.entity} holds "${value}"`).not.toContain(value.toLowerCase());
  }
}

const what = (entries: AuditRow[]) => entries.map((e) => [e.action, e.entity, e.entity_id]);
const receipt = (t: Tenant, overrides: Record<string, unknown> = {}) => ({
  location_id: t.location.id,
  transacted_at: "2026-03-01T18:30:00Z",
  lines: [{ sku: "AUD-1", name: "Audit Kush 3.5g", unit_price: "35.00", quantity: "2" }],
  ...overrides,
});
const idOf = async (
  table: "customers" | "employees",
  column: "pos_user" | "pos_id",
  merchantId: string,
  value: string,
) =>
  (
    await db.pool.query<{ id: string }>(`SELECT id FROM ${table} WHERE merchant_id = $1 AND ${column} = $2`, [
      merchantId,
      value,
    ])
  ).rows[0]!.id;

/** Per write route: a write that changes something, checked entry by entry; then one refused and one identical. */
const scenarios: Record<string, () => Promise<void>> = {
  "PUT /v1/customers/{pos_user}": async () => {
    const t = await tenant();
    const created = await entriesDuring(t, () => t.call("put", "/v1/customers/pos-7781", customerBody));
    expect(created.res.status, created.res.text).toBe(201);
    expect(what(created.entries)).toEqual([["create", "customer", created.res.body.id]]);
    expectAccountable(t, "PUT /v1/customers/{pos_user}", created);
    const updated = await entriesDuring(t, () =>
      t.call("put", "/v1/customers/pos-7781", { ...customerBody, city: "Golden" }),
    );
    expect(what(updated.entries)).toEqual([["update", "customer", created.res.body.id]]);
    expectAccountable(t, "PUT /v1/customers/{pos_user}", updated);
    expect(
      (await entriesDuring(t, () => t.call("put", "/v1/customers/pos-7781", { ...customerBody, city: "Golden" })))
        .entries,
    ).toEqual([]);
    expect(
      (await entriesDuring(t, () => t.call("put", "/v1/customers/pos-7781", { ...customerBody, phone: "555" })))
        .entries,
    ).toEqual([]);
  },
  "PATCH /v1/customers/{id}": async () => {
    const t = await tenant();
    const customer = await makeCustomer(db, t.merchant.id);
    const patched = await entriesDuring(t, () =>
      t.call("patch", `/v1/customers/${customer.id}`, customerBody, { "Idempotency-Key": "audit-patch-1" }),
    );
    expect(patched.res.status, patched.res.text).toBe(200);
    expect(what(patched.entries)).toEqual([["patch", "customer", customer.id]]);
    expectAccountable(t, "PATCH /v1/customers/{id}", patched);
    // Which fields changed is recorded (names only), and consent as the fact it is.
    expect(patched.entries[0]!.detail).toMatchObject({
      fields: expect.arrayContaining(["email", "phone", "first_name", "birthday"]),
      loyalty_opt_in: true,
    });
    // A replay of the same Idempotency-Key writes nothing again, nor does a refused PATCH.
    expect(
      (
        await entriesDuring(t, () =>
          t.call("patch", `/v1/customers/${customer.id}`, customerBody, { "Idempotency-Key": "audit-patch-1" }),
        )
      ).entries,
    ).toEqual([]);
    expect(
      (await entriesDuring(t, () => t.call("patch", `/v1/customers/${customer.id}`, { email: "not-an-email" })))
        .entries,
    ).toEqual([]);
  },
  "PUT /v1/inventory": async () => {
    const t = await tenant();
    const items = [
      { location_id: t.location.id, sku: "AUD-1", name: "Audit Kush 3.5g", quantity: "12", unit_cost: "11.2500" },
      { location_pos_id: t.location.posId, sku: "AUD-2", name: "Audit Gummies", quantity: "40" },
    ];
    const written = await entriesDuring(t, () => t.call("put", "/v1/inventory", { items }));
    expect(written.res.status, written.res.text).toBe(200);
    const { rows: products } = await db.pool.query<{ id: string; sku: string }>(
      "SELECT id, sku FROM products WHERE merchant_id = $1 ORDER BY sku",
      [t.merchant.id],
    );
    expect(what(written.entries)).toEqual(
      expect.arrayContaining([
        ...products.map((p) => ["create", "product", p.id]),
        ...written.res.body.results.map((r: { id: string }) => ["create", "inventory_item", r.id]),
      ]),
    );
    expect(written.entries).toHaveLength(4);
    expectAccountable(t, "PUT /v1/inventory", written);
    const restocked = await entriesDuring(t, () =>
      t.call("put", "/v1/inventory", { items: [{ ...items[0], quantity: "11" }] }),
    );
    expect(what(restocked.entries)).toEqual([["update", "inventory_item", written.res.body.results[0].id]]);
    expectAccountable(t, "PUT /v1/inventory", restocked);
    expect(
      (await entriesDuring(t, () => t.call("put", "/v1/inventory", { items: [{ ...items[0], quantity: "11" }] })))
        .entries,
    ).toEqual([]);
    expect(
      (await entriesDuring(t, () => t.call("put", "/v1/inventory", { items: [{ ...items[0], quantity: "-1" }] })))
        .entries,
    ).toEqual([]);
  },
  "PUT /v1/transactions/{pos_id}": async () => {
    const t = await tenant();
    const body = receipt(t, {
      customer: { pos_user: "pos-7781", ...customerBody },
      employee: { pos_id: "emp-9", ...budtender },
    });
    const created = await entriesDuring(t, () => t.call("put", "/v1/transactions/R-1001", body));
    expect(created.res.status, created.res.text).toBe(201);
    const customerId = await idOf("customers", "pos_user", t.merchant.id, "pos-7781");
    const employeeId = await idOf("employees", "pos_id", t.merchant.id, "emp-9");
    expect(what(created.entries)).toEqual([
      ["create", "customer", customerId],
      ["create", "employee", employeeId],
      ["create", "transaction", created.res.body.id],
    ]);
    expectAccountable(t, "PUT /v1/transactions/{pos_id}", created);
    for (const value of Object.values(budtender))
      expect(JSON.stringify(created.entries.map((e) => e.detail))).not.toContain(value);
    const replaced = await entriesDuring(t, () =>
      t.call("put", "/v1/transactions/R-1001", { ...body, transacted_at: "2026-03-01T19:00:00Z" }),
    );
    expect(what(replaced.entries)).toEqual([["update", "transaction", created.res.body.id]]);
    expectAccountable(t, "PUT /v1/transactions/{pos_id}", replaced);
    expect(
      (
        await entriesDuring(t, () =>
          t.call("put", "/v1/transactions/R-1001", { ...body, transacted_at: "2026-03-01T19:00:00Z" }),
        )
      ).entries,
    ).toEqual([]);
    expect(
      (
        await entriesDuring(t, () =>
          t.call("put", "/v1/transactions/R-1002", receipt(t, { customer_pos_user: "nobody" })),
        )
      ).entries,
    ).toEqual([]);
  },
  "POST /v1/transactions/{pos_id}/void": async () => {
    const t = await tenant();
    const sale = await makeTransaction(db, t.location, { posId: "R-2001" });
    const voided = await entriesDuring(t, () =>
      t.call("post", "/v1/transactions/R-2001/void", { voided_at: new Date().toISOString() }),
    );
    expect(voided.res.status, voided.res.text).toBe(200);
    expect(what(voided.entries)).toEqual([["void", "transaction", sale.id]]);
    expectAccountable(t, "POST /v1/transactions/{pos_id}/void", voided);
    expect((await entriesDuring(t, () => t.call("post", "/v1/transactions/R-2001/void"))).entries).toEqual([]);
    expect((await entriesDuring(t, () => t.call("post", "/v1/transactions/R-none/void"))).entries).toEqual([]);
  },
  "POST /v1/transactions/batch": async () => {
    const t = await tenant();
    const written = await entriesDuring(t, () =>
      t.call("post", "/v1/transactions/batch", {
        receipts: [
          // A plain sale (the bulk path), a sale with an embedded customer (one by one), a refund of it, and a bad one.
          { pos_id: "B-1", ...receipt(t) },
          { pos_id: "B-2", ...receipt(t, { customer: { pos_user: "pos-7781", ...customerBody } }) },
          {
            pos_id: "B-3",
            ...receipt(t, {
              original_pos_id: "B-2",
              lines: [{ sku: "AUD-1", name: "Audit Kush 3.5g", unit_price: "35.00", quantity: "-1" }],
            }),
          },
          { pos_id: "B-4", ...receipt(t, { customer_pos_user: "nobody" }) },
        ],
      }),
    );
    expect(written.res.status, written.res.text).toBe(200);
    const [b1, b2, b3, b4] = written.res.body.results;
    expect(b4.result).toBe("error");
    const customerId = await idOf("customers", "pos_user", t.merchant.id, "pos-7781");
    expect(what(written.entries)).toEqual(
      expect.arrayContaining([
        ["create", "transaction", b1.id],
        ["create", "customer", customerId],
        ["create", "transaction", b2.id],
        ["create", "transaction", b3.id],
      ]),
    );
    expect(written.entries).toHaveLength(4);
    expectAccountable(t, "POST /v1/transactions/batch", written);
  },
};

describe("audit trail over every write route", () => {
  it("when the router's write routes are listed, then each has an audit scenario, and each scenario a route", () => {
    expect(Object.keys(scenarios).sort()).toEqual(writeRoutes.map(label).sort());
  });

  it.each(writeRoutes.map((route) => [label(route)] as const))(
    prose`
    when %s changes something, then an entry names the key, the time, the action and the row, and holds no personal
    data; refused and identical writes add none
  `,
    async (name) => {
      const scenario = scenarios[name];
      if (!scenario) expect.fail(`${name} has no audit scenario: add one to this file`);
      await scenario();
    },
  );
});
