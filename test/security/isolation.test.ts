// Tenant isolation (OWASP API1, broken object-level authorisation), proven on every route the router
// has: the table below holds, for each route, what "nothing of merchant B" means for it, and what
// "nothing of another store" means for a key limited to one store of merchant A. A guard test
// fails when a route has no entry, so a new route cannot escape the suite.
//
// Every scenario arranges its own two merchants (test/security/world.ts): A with two stores, B with
// the same POS ids as A for a store, a customer, a product, an employee and a receipt. Besides what
// each scenario asserts, every answer it received is searched for anything of B (B's ids, its
// phones, and a tag that is in every name, email and POS id of B's own) or, for the limited key,
// of A's other store; and every statement the app ran while serving a call must be one of the data
// layer's, scoped to that call's key (see "the data layer's wall" at the end).
import { AsyncLocalStorage } from "node:async_hooks";
import express, { type Request } from "express";
import { sql } from "kysely";
import type { Response } from "superagent";
import request from "supertest";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createDb } from "../../src/db/client.js";
import {
  onStatement,
  qb,
  type ReviewedReason,
  reviewedStatement,
  run as runStatement,
  type Statement,
  tenantStatement,
} from "../../src/db/sql.js";
import { Tenant, tenantOf } from "../../src/db/tenant.js";
import { INIT_SCRIPT_NAME, swaggerAssets } from "../../src/docs/page.js";
import { parseKey } from "../../src/keys/format.js";
import { prose } from "../../src/lib/prose.js";
import { defineRoute, type RouteDef } from "../../src/lib/route.js";
import { routes } from "../../src/routes.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeMerchant } from "../helpers/factories.js";
import { testGet } from "../helpers/routes.js";
import { appOver } from "./apps.js";
import { merchantRows, storeRows } from "./snapshot.js";
import { DAY, makeWorld, type World } from "./world.js";

const db = await createTestDb();
// The app gets a pool of its own, so that what it sends can be told from the test's: every statement
// its pool receives is kept (received), and every statement the data layer runs (heard, by
// onStatement), with the key of the call it ran for (callers: "" for a call without a key).
const appDb = { ...createDb({ url: db.url }), url: db.url };
afterAll(() => appDb.close());
const callers = new AsyncLocalStorage<string>();
const received: string[] = [];
const heard: { caller: string | undefined; statement: Statement<unknown> }[] = [];
afterAll(onStatement((statement) => heard.push({ caller: callers.getStore(), statement })));
appDb.pool.on("connect", (client) => {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((config: unknown, ...rest: unknown[]) => {
    const text = typeof config === "string" ? config : (config as { text?: unknown } | null)?.text;
    if (typeof text === "string") received.push(text);
    return query(config, ...rest);
  }) as typeof client.query;
});
/** The caller of the test's own statements (its scenarios run under it); a call overrides it with its key. */
const TEST_CALLER = "(the test itself)";
/** A statement on stock under `tenant`'s scope (its column alias marks it in the breaches). */
const probe = (tenant: Tenant) =>
  tenantStatement(tenant, qb.selectFrom("inventory_items as i").select("i.id as wall_probe").where(tenant.where("i")));
/** Routes of this file only, that run the probe through the app: under the key's scope, or a merchant's sent. */
const wallProbes = [
  defineRoute({
    ...testGet("/test/wall/scoped", { 204: { description: "Ran the probe under the key's scope." } }),
    scope: "any",
    handler: async ({ db, auth, respond }) => {
      await runStatement(db.pool, probe(tenantOf(auth)));
      return respond.empty(204);
    },
  }),
  defineRoute({
    ...testGet("/test/wall/merchant", { 204: { description: "Ran the probe under the merchant sent." } }),
    method: "post",
    scope: "any",
    body: z.strictObject({ merchant_id: z.string().describe("Whose scope to run the probe under.") }),
    handler: async ({ db, body, respond }) => {
      await runStatement(db.pool, probe(new Tenant(body.merchant_id)));
      return respond.empty(204);
    },
  }),
];
const bearer = (req: Request) => /^Bearer\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "")?.[1];
const app = express()
  .use((req, _res, next) => callers.run(req.get("x-apikey") ?? bearer(req) ?? "", next))
  .use(
    appOver(appDb, {
      env: {
        RATE_LIMIT_PER_MINUTE: "100000",
        RATE_LIMIT_HEAVY_PER_MINUTE: "100000",
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "100000",
      },
      extraRoutes: wallProbes,
    }),
  );

const NOWHERE = "00000000-0000-4000-8000-000000000000";
const label = (route: Pick<RouteDef, "method" | "path">) => `${route.method.toUpperCase()} ${route.path}`;

// ---------------------------------------------------------------------------------------------
// Calling the app: every answer is kept (as text) for the leak search at the end of the test.

interface Answer {
  status: number;
  /** What the request said (path, query, body): an answer may repeat it, whoever it names. */
  request: string;
  text: string;
  json: any;
  headers: Record<string, string>;
}

let answers: Answer[] = [];

const asText = (res: Response, done: (err: Error | null, body: string) => void) => {
  let text = "";
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => (text += chunk));
  res.on("end", () => done(null, text));
};

interface SendOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Not kept for the leak search: a call of B's key, or of another key, arranging the test. */
  quiet?: boolean;
}

async function send(key: string | null, method: RouteDef["method"], path: string, options: SendOptions = {}) {
  let req = request(app)
    [method](path)
    .query(options.query ?? {});
  if (key) req = req.set("x-apikey", key);
  for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
  if (options.body !== undefined) req = req.send(options.body as object);
  const res = await req.buffer(true).parse(asText);
  const text = res.body as unknown as string;
  const answer: Answer = {
    status: res.status,
    request: [path, JSON.stringify(options.query ?? {}), JSON.stringify(options.body ?? null)].join(" "),
    text,
    json: /^application\/(problem\+)?json/.test(res.headers["content-type"] ?? "") ? JSON.parse(text) : undefined,
    headers: res.headers,
  };
  if (!options.quiet) answers.push(answer);
  return answer;
}

const as = (key: string | null) => ({
  get: (path: string, query?: Record<string, string | number>) => send(key, "get", path, { query }),
  put: (path: string, body: unknown) => send(key, "put", path, { body }),
  post: (path: string, body?: unknown, headers?: Record<string, string>) => send(key, "post", path, { body, headers }),
  patch: (path: string, body: unknown, headers?: Record<string, string>) => send(key, "patch", path, { body, headers }),
});

const ids = (answer: Answer): string[] => {
  expect(answer.status, answer.text).toBe(200);
  return (answer.json.data as { id: string }[]).map((r) => r.id).sort();
};
const sorted = (values: string[]) => [...values].sort();
/** The records of an NDJSON export (its control lines left out). */
const exported = (answer: Answer): Record<string, any>[] => {
  expect(answer.status, answer.text).toBe(200);
  return answer.text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((line) => line.export === undefined);
};

/** A 400 naming the cursor: what every list and export answers to a cursor it did not make for this key. */
function expectCursorRefused(answer: Answer) {
  expect(answer.status, answer.text).toBe(400);
  expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(answer.json.errors).toContainEqual(
    expect.objectContaining({ location: "query.cursor", code: "invalid_cursor" }),
  );
}

/** A 404 saying exactly what an id that exists nowhere gets: existence does not leak. */
async function expectAsIfMissing(answer: Answer, missing: () => Promise<Answer>) {
  expect(answer.status, answer.text).toBe(404);
  const nowhere = await missing();
  expect(nowhere.status).toBe(404);
  expect(answer.json.detail).toBe(nowhere.json.detail);
}

/** The next_cursor of the first page of one record: a cursor made from that key's data. */
async function cursorOf(key: string, path: string, query: Record<string, string | number> = {}) {
  const page = await send(key, "get", path, { query: { ...query, limit: 1 }, quiet: true });
  expect(page.status, page.text).toBe(200);
  expect(page.json.next_cursor, `${path} gives a cursor`).toEqual(expect.any(String));
  return page.json.next_cursor as string;
}

// ---------------------------------------------------------------------------------------------
// What must never show: B's data for A's keys, the other store's for the key limited to main.

async function merchantMarkers(merchantId: string, tag: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ marker: string }>(
    `SELECT id::text AS marker FROM merchants WHERE id = $1
     UNION SELECT id::text FROM locations WHERE merchant_id = $1
     UNION SELECT id::text FROM employees WHERE merchant_id = $1
     UNION SELECT id::text FROM customers WHERE merchant_id = $1
     UNION SELECT phone FROM customers WHERE merchant_id = $1 AND phone IS NOT NULL
     UNION SELECT id::text FROM products WHERE merchant_id = $1
     UNION SELECT id::text FROM inventory_items WHERE merchant_id = $1
     UNION SELECT id::text FROM transactions WHERE merchant_id = $1
     UNION SELECT id::text FROM line_items WHERE merchant_id = $1
     UNION SELECT id::text FROM api_keys WHERE merchant_id = $1`,
    [merchantId],
  );
  return [tag, ...rows.map((r) => r.marker)];
}

async function otherStoreMarkers(w: World): Promise<string[]> {
  const { other } = w.a;
  const { rows } = await db.pool.query<{ id: string }>(
    "SELECT li.id::text AS id FROM line_items li JOIN transactions t ON t.id = li.transaction_id WHERE t.location_id " +
      "= $1",
    [other.store.id],
  );
  return [
    other.store.id,
    other.store.name,
    other.product.id,
    other.product.sku,
    other.product.name,
    ...other.items.map((i) => i.id),
    ...other.sales.flatMap((s) => [s.id, s.posId]),
    ...rows.map((r) => r.id),
  ];
}

function expectNoneOf(markers: string[], seen: Answer[]) {
  expect(seen.length).toBeGreaterThan(0);
  for (const answer of seen) {
    for (const marker of markers) {
      if (answer.text.includes(marker) && !answer.request.includes(marker))
        expect.fail(`an answer (${answer.status}) contains ${marker}: ${answer.text.slice(0, 300)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Expected figures, computed straight from the tables (not through the reports' SQL).

const inScope = (alias: string) =>
  `${alias}.merchant_id = $1 AND ($2::uuid[] IS NULL OR ${alias}.location_id = ANY($2::uuid[]))`;

async function expectedSales(merchantId: string, locations: string[] | null) {
  const { rows } = await db.pool.query(
    `SELECT (SELECT count(*)::int FROM transactions t WHERE ${inScope("t")} AND t.kind = 'sale'
      AND t.status = 'completed' AND t.deleted_at IS NULL
               AND t.business_date >= $3::date AND t.business_date < $4::date) AS receipts,
            round(coalesce(sum(round(li.unit_price * li.quantity, 2)) FILTER (WHERE t.kind = 'sale'), 0), 2)::text
              AS gross_sales,
            round(coalesce(sum(round(li.unit_price * li.quantity, 2) - li.discount), 0), 2)::text AS net_sales,
            round(coalesce(sum(li.unit_cost * li.quantity), 0), 2)::text AS cost
       FROM transactions t JOIN line_items li ON li.transaction_id = t.id
      WHERE ${inScope("t")} AND t.status = 'completed' AND t.deleted_at IS NULL AND t.business_date >= $3::date
        AND t.business_date < $4::date`,
    [merchantId, locations, DAY.from, DAY.to],
  );
  return rows[0] as { receipts: number; gross_sales: string; net_sales: string; cost: string };
}

async function expectedCustomers(merchantId: string, locations: string[] | null) {
  const { rows } = await db.pool.query(
    `SELECT count(*) FILTER (WHERE t.kind = 'sale')::int AS receipts,
            count(DISTINCT t.customer_id) FILTER (WHERE t.kind = 'sale')::int AS customers,
            round(coalesce(sum(t.subtotal - t.discount_total), 0), 2)::text AS net_sales
       FROM transactions t
      WHERE ${inScope("t")} AND t.status = 'completed' AND t.deleted_at IS NULL AND t.business_date >= $3::date
        AND t.business_date < $4::date`,
    [merchantId, locations, DAY.from, DAY.to],
  );
  return rows[0] as { receipts: number; customers: number; net_sales: string };
}

async function expectedStock(merchantId: string, locations: string[] | null) {
  const { rows } = await db.pool.query(
    `SELECT count(*)::int AS items,
      round(coalesce(sum(greatest(i.quantity, 0) * i.unit_cost), 0), 2)::text AS value_at_cost
       FROM inventory_items i JOIN products p ON p.id = i.product_id
      WHERE ${inScope("i")} AND i.deleted_at IS NULL AND NOT i.archived AND p.deleted_at IS NULL AND NOT p.archived`,
    [merchantId, locations],
  );
  return rows[0] as { items: number; value_at_cost: string };
}

// ---------------------------------------------------------------------------------------------
// Bodies of the writes.

/** Where a write says its store is: by our id or by the POS's. */
type StoreRef = { location_id: string } | { location_pos_id: string };

const receipt = (location: StoreRef, overrides: Record<string, unknown> = {}) => ({
  ...location,
  transacted_at: "2026-03-04T17:00:00Z",
  lines: [{ sku: "SKU-NEW", name: "New thing", unit_price: "10.00", quantity: "1" }],
  ...overrides,
});
const refundOf = (originalPosId: string, location: StoreRef) =>
  receipt(location, {
    original_pos_id: originalPosId,
    lines: [{ sku: "SKU-NEW", name: "New thing", unit_price: "10.00", quantity: "-1" }],
  });
const stockItem = (location: StoreRef, sku: string, overrides: Record<string, unknown> = {}) => ({
  ...location,
  sku,
  name: `Product ${sku}`,
  quantity: "5",
  ...overrides,
});
const issueCodes = (answer: Answer) => (answer.json.errors as { code: string }[]).map((e) => e.code);

async function unchanged<T>(snapshot: () => Promise<T>, act: () => Promise<void>) {
  const before = await snapshot();
  await act();
  expect(await snapshot()).toEqual(before);
}
const bothMerchants = (w: World) => async () => [
  await merchantRows(db, w.a.merchant.id),
  await merchantRows(db, w.b.merchant.id),
];

// ---------------------------------------------------------------------------------------------
// The scenarios, one entry per route.

type Scenario = (w: World) => Promise<void>;
interface RouteScenarios {
  /** A key of merchant A (every scope, every store) against merchant B's data. */
  merchant: Scenario;
  /** A's key limited to its main store against A's other store. */
  location: Scenario;
}

/** Public routes: no key needed and no tenant's data, whoever asks. */
const publicRoute = (path: string): RouteScenarios => {
  const scenario: Scenario = async (w) => {
    for (const key of [null, w.a.key, w.a.mainKey]) expect((await as(key).get(path)).status).toBe(200);
    expectNoneOf(
      [...(await merchantMarkers(w.a.merchant.id, w.a.tag)), ...(await merchantMarkers(w.b.merchant.id, w.b.tag))],
      answers,
    );
  };
  return { merchant: scenario, location: scenario };
};

const scenarios: Record<string, RouteScenarios> = {
  "GET /healthz": publicRoute("/healthz"),
  "GET /readyz": publicRoute("/readyz"),
  "GET /openapi.json": publicRoute("/openapi.json"),
  "GET /docs": publicRoute("/docs"),
  "GET /docs/assets/{file}": {
    merchant: async (w) => {
      for (const file of [INIT_SCRIPT_NAME, Object.keys(swaggerAssets).find((name) => name.endsWith(".css"))!]) {
        expect((await as(w.a.key).get(`/docs/assets/${file}`)).status).toBe(200);
      }
      expectNoneOf(
        [...(await merchantMarkers(w.a.merchant.id, w.a.tag)), ...(await merchantMarkers(w.b.merchant.id, w.b.tag))],
        answers,
      );
    },
    location: async (w) => {
      expect((await as(w.a.mainKey).get(`/docs/assets/${INIT_SCRIPT_NAME}`)).status).toBe(200);
      expectNoneOf(await merchantMarkers(w.a.merchant.id, w.a.tag), answers);
    },
  },

  "GET /v1/customers": {
    merchant: async ({ a, b }) => {
      const mine = sorted([a.sharedCustomer.id, a.ownCustomer.id, a.other.customer.id]);
      expect(ids(await as(a.key).get("/v1/customers"))).toEqual(mine);
      expect(ids(await as(a.key).get("/v1/customers", { created_from: "2000-01-01T00:00:00Z" }))).toEqual(mine);
      expect(ids(await as(a.key).get("/v1/customers", { format: "aiq" })).length).toBe(3);
      for (const customer of [b.sharedCustomer, b.ownCustomer]) {
        expect(ids(await as(a.key).get("/v1/customers", { phone: customer.phone! }))).toEqual([]);
        expect(ids(await as(a.key).get("/v1/customers", { email: customer.email! }))).toEqual([]);
      }
      // The same lookup finds A's own customer: the filter works, B's rows are what is missing.
      expect(ids(await as(a.key).get("/v1/customers", { phone: a.ownCustomer.phone! }))).toEqual([a.ownCustomer.id]);
      expectCursorRefused(
        await as(a.key).get("/v1/customers", { cursor: await cursorOf(b.key, "/v1/customers"), limit: 1 }),
      );
      expectCursorRefused(
        await as(a.key).get("/v1/customers", {
          cursor: await cursorOf(b.key, "/v1/customers", { created_from: "2000-01-01T00:00:00Z" }),
          created_from: "2000-01-01T00:00:00Z",
        }),
      );
    },
    location: async ({ a }) => {
      // Customers are the merchant's: a store's key sees them all, with visit figures of its store only.
      const list = await as(a.mainKey).get("/v1/customers");
      expect(ids(list)).toEqual(sorted([a.sharedCustomer.id, a.ownCustomer.id, a.other.customer.id]));
      const visits = Object.fromEntries(list.json.data.map((c: any) => [c.id, c.visits]));
      expect(visits[a.other.customer.id]).toEqual({
        first_visit_at: null,
        last_visit_at: null,
        visit_count: 0,
        lifetime_spend: "0.00",
      });
      expect(visits[a.sharedCustomer.id]).toMatchObject({
        visit_count: 1,
        lifetime_spend: a.sharedSale.total.toFixed(2),
      });
      expectCursorRefused(await as(a.mainKey).get("/v1/customers", { cursor: await cursorOf(a.key, "/v1/customers") }));
      expectCursorRefused(
        await as(a.mainKey).get("/v1/customers", { cursor: await cursorOf(a.otherKey, "/v1/customers") }),
      );
    },
  },
  "GET /v1/customers/{id}": {
    merchant: async ({ a, b }) => {
      expect((await as(a.key).get(`/v1/customers/${a.sharedCustomer.id}`)).status).toBe(200);
      for (const customer of [b.sharedCustomer, b.ownCustomer]) {
        await expectAsIfMissing(await as(a.key).get(`/v1/customers/${customer.id}`), () =>
          as(a.key).get(`/v1/customers/${NOWHERE}`),
        );
      }
    },
    location: async ({ a }) => {
      const seen = await as(a.mainKey).get(`/v1/customers/${a.other.customer.id}`);
      expect(seen.status).toBe(200);
      expect(seen.json.visits).toEqual({
        first_visit_at: null,
        last_visit_at: null,
        visit_count: 0,
        lifetime_spend: "0.00",
      });
      // The other store's key does see that visit: the zero above is the limit, not missing data.
      const there = await send(a.otherKey, "get", `/v1/customers/${a.other.customer.id}`, { quiet: true });
      expect(there.json.visits.visit_count).toBe(1);
    },
  },

  "GET /v1/inventory": {
    merchant: async ({ a, b, shared }) => {
      expect(ids(await as(a.key).get("/v1/inventory"))).toEqual(
        sorted([...a.items, ...a.other.items].map((i) => i.id)),
      );
      expect(ids(await as(a.key).get("/v1/inventory", { location_id: b.main.id }))).toEqual([]);
      const bySku = await as(a.key).get("/v1/inventory", { sku: shared.sku, format: "aiq", location_id: a.main.id });
      expect(bySku.json.data).toHaveLength(1);
      const standard = await as(a.key).get("/v1/inventory", { sku: shared.sku });
      expect(new Set(standard.json.data.map((i: any) => i.product_id))).toEqual(new Set([a.sharedProduct.id]));
      expectCursorRefused(await as(a.key).get("/v1/inventory", { cursor: await cursorOf(b.key, "/v1/inventory") }));
    },
    location: async ({ a }) => {
      expect(ids(await as(a.mainKey).get("/v1/inventory"))).toEqual(sorted(a.items.map((i) => i.id)));
      expect(ids(await as(a.mainKey).get("/v1/inventory", { location_id: a.other.store.id }))).toEqual([]);
      expect(ids(await as(a.mainKey).get("/v1/inventory", { sku: a.other.product.sku }))).toEqual([]);
      expectCursorRefused(await as(a.mainKey).get("/v1/inventory", { cursor: await cursorOf(a.key, "/v1/inventory") }));
    },
  },
  "PUT /v1/inventory": {
    merchant: async (w) => {
      const { a, b, shared } = w;
      await unchanged(bothMerchants(w), async () => {
        const refused = await as(a.key).put("/v1/inventory", {
          items: [stockItem({ location_id: b.main.id }, shared.sku)],
        });
        expect(refused.status, refused.text).toBe(422);
        expect(issueCodes(refused)).toEqual(["unknown_location"]);
      });
      // The store's and the product's POS ids are B's too: the write lands on A's store and A's product.
      const before = await merchantRows(db, b.merchant.id);
      const written = await as(a.key).put("/v1/inventory", {
        items: [stockItem({ location_pos_id: shared.store }, shared.sku, { quantity: "99" })],
      });
      expect(written.status, written.text).toBe(200);
      expect(written.json.results).toEqual([
        { sku: shared.sku, location_id: a.main.id, id: a.items[0]!.id, result: "updated" },
      ]);
      const { rows } = await db.pool.query("SELECT quantity::text AS quantity FROM inventory_items WHERE id = $1", [
        a.items[0]!.id,
      ]);
      expect(rows[0].quantity).toBe("99.000");
      expect(await merchantRows(db, b.merchant.id)).toEqual(before);
    },
    location: async ({ a }) => {
      await unchanged(
        () => merchantRows(db, a.merchant.id),
        async () => {
          for (const store of [
            { location_id: a.other.store.id },
            { location_pos_id: a.other.store.posId },
          ] as StoreRef[]) {
            const refused = await as(a.mainKey).put("/v1/inventory", {
              items: [stockItem(store, a.other.product.sku)],
            });
            expect(refused.status, refused.text).toBe(422);
            expect(issueCodes(refused)).toEqual(["unknown_location"]);
          }
        },
      );
      // Its own store it may write (a product stocked only there: the other store's rows stay as they are).
      await unchanged(
        () => storeRows(db, a.other.store.id),
        async () => {
          const written = await as(a.mainKey).put("/v1/inventory", {
            items: [stockItem({ location_id: a.main.id }, a.ownProduct.sku, { name: a.ownProduct.name })],
          });
          expect(written.status, written.text).toBe(200);
          expect(written.json.results[0]).toMatchObject({ location_id: a.main.id, id: a.items[1]!.id });
        },
      );
    },
  },

  "PUT /v1/customers/{pos_user}": {
    merchant: async ({ a, b, shared }) => {
      const before = await merchantRows(db, b.merchant.id);
      const replaced = await as(a.key).put(`/v1/customers/${shared.customer}`, {
        first_name: "Renamed",
        phone: a.sharedCustomer.phone,
        email: a.sharedCustomer.email,
      });
      expect(replaced.status, replaced.text).toBe(200);
      expect(replaced.json).toMatchObject({ id: a.sharedCustomer.id, first_name: "Renamed" });
      // A POS id only B uses yet: A gets a customer of its own, B's stays B's.
      const created = await as(a.key).put(`/v1/customers/${b.ownCustomer.posUser}`, { first_name: "Someone" });
      expect(created.status, created.text).toBe(201);
      expect(created.json.id).not.toBe(b.ownCustomer.id);
      const { rows } = await db.pool.query("SELECT merchant_id FROM customers WHERE id = $1", [created.json.id]);
      expect(rows[0].merchant_id).toBe(a.merchant.id);
      expect(await merchantRows(db, b.merchant.id)).toEqual(before);
    },
    location: async ({ a }) => {
      await unchanged(
        () => storeRows(db, a.other.store.id),
        async () => {
          const replaced = await as(a.mainKey).put(`/v1/customers/${a.other.customer.posUser}`, {
            first_name: "Renamed",
            loyalty_opt_in: true,
          });
          expect(replaced.status, replaced.text).toBe(200);
          expect(replaced.json).toMatchObject({
            id: a.other.customer.id,
            visits: { visit_count: 0, lifetime_spend: "0.00" },
          });
        },
      );
    },
  },
  "PATCH /v1/customers/{id}": {
    merchant: async (w) => {
      const { a, b } = w;
      await unchanged(bothMerchants(w), async () => {
        for (const customer of [b.sharedCustomer, b.ownCustomer]) {
          await expectAsIfMissing(
            await as(a.key).patch(`/v1/customers/${customer.id}`, { first_name: "Mallory" }),
            () => as(a.key).patch(`/v1/customers/${NOWHERE}`, { first_name: "Mallory" }),
          );
          const withKey = await as(a.key).patch(
            `/v1/customers/${customer.id}`,
            { loyalty_opt_in: false },
            { "Idempotency-Key": `k-${customer.id}`, "If-Match": '"x"' },
          );
          expect(withKey.status).toBe(404);
        }
      });
    },
    location: async ({ a }) => {
      await unchanged(
        () => storeRows(db, a.other.store.id),
        async () => {
          const patched = await as(a.mainKey).patch(`/v1/customers/${a.other.customer.id}`, { city: "Boulder" });
          expect(patched.status, patched.text).toBe(200);
          expect(patched.json).toMatchObject({ city: "Boulder", visits: { visit_count: 0, lifetime_spend: "0.00" } });
        },
      );
    },
  },

  "GET /v1/transactions": {
    merchant: async ({ a, b }) => {
      const mine = sorted([a.sharedSale, a.ownSale, a.refund, a.voided, ...a.other.sales].map((t) => t.id));
      expect(ids(await as(a.key).get("/v1/transactions"))).toEqual(mine);
      expect(
        ids(await as(a.key).get("/v1/transactions", { transacted_from: "2000-01-01T00:00:00Z", format: "aiq" })).length,
      ).toBe(mine.length);
      expect(ids(await as(a.key).get("/v1/transactions", { status: "voided" }))).toEqual([a.voided.id]);
      expect(ids(await as(a.key).get("/v1/transactions", { location_id: b.main.id }))).toEqual([]);
      expect(ids(await as(a.key).get("/v1/transactions", { customer_id: b.sharedCustomer.id }))).toEqual([]);
      expectCursorRefused(
        await as(a.key).get("/v1/transactions", { cursor: await cursorOf(b.key, "/v1/transactions") }),
      );
      expectCursorRefused(
        await as(a.key).get("/v1/transactions", {
          cursor: await cursorOf(b.key, "/v1/transactions", { transacted_from: "2000-01-01T00:00:00Z" }),
          transacted_from: "2000-01-01T00:00:00Z",
        }),
      );
    },
    location: async ({ a }) => {
      expect(ids(await as(a.mainKey).get("/v1/transactions"))).toEqual(
        sorted([a.sharedSale, a.ownSale, a.refund, a.voided].map((t) => t.id)),
      );
      expect(ids(await as(a.mainKey).get("/v1/transactions", { location_id: a.other.store.id }))).toEqual([]);
      expect(ids(await as(a.mainKey).get("/v1/transactions", { customer_id: a.other.customer.id }))).toEqual([]);
      expectCursorRefused(
        await as(a.mainKey).get("/v1/transactions", { cursor: await cursorOf(a.key, "/v1/transactions") }),
      );
    },
  },
  "GET /v1/transactions/{id}": {
    merchant: async ({ a, b }) => {
      expect((await as(a.key).get(`/v1/transactions/${a.sharedSale.id}`)).status).toBe(200);
      for (const sale of [b.sharedSale, b.ownSale, b.refund, b.voided]) {
        for (const format of ["standard", "aiq"]) {
          await expectAsIfMissing(await as(a.key).get(`/v1/transactions/${sale.id}`, { format }), () =>
            as(a.key).get(`/v1/transactions/${NOWHERE}`, { format }),
          );
        }
      }
    },
    location: async ({ a }) => {
      for (const sale of a.other.sales) {
        await expectAsIfMissing(await as(a.mainKey).get(`/v1/transactions/${sale.id}`), () =>
          as(a.mainKey).get(`/v1/transactions/${NOWHERE}`),
        );
      }
      expect((await as(a.mainKey).get(`/v1/transactions/${a.ownSale.id}`)).status).toBe(200);
    },
  },
  "PUT /v1/transactions/{pos_id}": {
    merchant: async (w) => {
      const { a, b, shared } = w;
      await unchanged(bothMerchants(w), async () => {
        const atB = await as(a.key).put("/v1/transactions/new-1", receipt({ location_id: b.main.id }));
        expect(issueCodes(atB)).toEqual(["unknown_location"]);
        const refundOfB = await as(a.key).put(
          "/v1/transactions/new-2",
          refundOf(b.ownSale.posId, { location_id: a.main.id }),
        );
        expect(issueCodes(refundOfB)).toEqual(["unknown_original"]);
        const customerOfB = await as(a.key).put(
          "/v1/transactions/new-3",
          receipt({ location_id: a.main.id }, { customer_pos_user: b.ownCustomer.posUser }),
        );
        expect(issueCodes(customerOfB)).toEqual(["unknown_customer"]);
        for (const refused of [atB, refundOfB, customerOfB]) expect(refused.status).toBe(422);
      });
      // Every POS id in this body is B's too: the receipt, store, customer, employee and product touched are A's.
      const before = await merchantRows(db, b.merchant.id);
      const written = await as(a.key).put(
        `/v1/transactions/${shared.receipt}`,
        receipt(
          { location_pos_id: shared.store },
          {
            customer_pos_user: shared.customer,
            employee_pos_id: shared.employee,
            lines: [{ sku: shared.sku, name: "Shared", unit_price: "20.00", quantity: "1" }],
          },
        ),
      );
      expect(written.status, written.text).toBe(200);
      expect(written.json).toMatchObject({
        id: a.sharedSale.id,
        location: { id: a.main.id },
        customer: { id: a.sharedCustomer.id },
        employee: { id: a.employee.id },
        line_items: [{ sku: shared.sku, product_id: a.sharedProduct.id }],
      });
      expect(await merchantRows(db, b.merchant.id)).toEqual(before);
    },
    location: async ({ a }) => {
      await unchanged(
        () => merchantRows(db, a.merchant.id),
        async () => {
          const theirs = await as(a.mainKey).put(
            `/v1/transactions/${a.other.sales[0]!.posId}`,
            receipt({ location_id: a.main.id }),
          );
          expect(theirs.status, theirs.text).toBe(404);
          for (const store of [
            { location_id: a.other.store.id },
            { location_pos_id: a.other.store.posId },
          ] as StoreRef[]) {
            const there = await as(a.mainKey).put("/v1/transactions/new-1", receipt(store));
            expect(there.status).toBe(422);
            expect(issueCodes(there)).toEqual(["unknown_location"]);
          }
          const refundThere = await as(a.mainKey).put(
            "/v1/transactions/new-2",
            refundOf(a.other.sales[0]!.posId, { location_id: a.main.id }),
          );
          expect(refundThere.status).toBe(422);
          expect(issueCodes(refundThere)).toEqual(["unknown_original"]);
        },
      );
    },
  },
  "POST /v1/transactions/{pos_id}/void": {
    merchant: async (w) => {
      const { a, b, shared } = w;
      await unchanged(bothMerchants(w), async () => {
        for (const sale of [b.ownSale, b.voided]) {
          const refused = await as(a.key).post(`/v1/transactions/${sale.posId}/void`);
          expect(refused.status, refused.text).toBe(404);
        }
        expect(
          (await as(a.key).post(`/v1/transactions/${b.ownSale.posId}/void`, {}, { "Idempotency-Key": "void-b" }))
            .status,
        ).toBe(404);
      });
      const before = await merchantRows(db, b.merchant.id);
      const voided = await as(a.key).post(`/v1/transactions/${shared.receipt}/void`);
      expect(voided.status, voided.text).toBe(200);
      expect(voided.json).toMatchObject({ id: a.sharedSale.id, status: "voided" });
      expect(await merchantRows(db, b.merchant.id)).toEqual(before);
    },
    location: async ({ a }) => {
      await unchanged(
        () => merchantRows(db, a.merchant.id),
        async () => {
          for (const sale of a.other.sales)
            expect((await as(a.mainKey).post(`/v1/transactions/${sale.posId}/void`)).status).toBe(404);
        },
      );
    },
  },
  "POST /v1/transactions/batch": {
    merchant: async ({ a, b, shared }) => {
      const before = await merchantRows(db, b.merchant.id);
      const answer = await as(a.key).post("/v1/transactions/batch", {
        receipts: [
          {
            pos_id: shared.receipt,
            ...receipt(
              { location_pos_id: shared.store },
              { customer_pos_user: shared.customer, employee_pos_id: shared.employee },
            ),
          },
          { pos_id: "new-1", ...receipt({ location_id: b.main.id }) },
          { pos_id: "new-2", ...refundOf(b.ownSale.posId, { location_id: a.main.id }) },
          { pos_id: "new-3", ...receipt({ location_id: a.main.id }, { customer_pos_user: b.ownCustomer.posUser }) },
          { pos_id: "new-4", ...refundOf(shared.receipt, { location_pos_id: shared.store }) },
        ],
      });
      expect(answer.status, answer.text).toBe(200);
      const [sale, atB, refundOfB, customerOfB, refundOfShared] = answer.json.results;
      expect(sale).toMatchObject({ result: "updated", id: a.sharedSale.id });
      expect(atB).toMatchObject({ result: "error", errors: [expect.objectContaining({ code: "unknown_location" })] });
      expect(refundOfB).toMatchObject({
        result: "error",
        errors: [expect.objectContaining({ code: "unknown_original" })],
      });
      expect(customerOfB).toMatchObject({
        result: "error",
        errors: [expect.objectContaining({ code: "unknown_customer" })],
      });
      expect(refundOfShared).toMatchObject({ result: "created" });
      const { rows } = await db.pool.query(
        "SELECT merchant_id, original_transaction_id FROM transactions WHERE id = $1",
        [refundOfShared.id],
      );
      expect(rows[0]).toEqual({ merchant_id: a.merchant.id, original_transaction_id: a.sharedSale.id });
      expect(await merchantRows(db, b.merchant.id)).toEqual(before);
    },
    location: async ({ a }) => {
      await unchanged(
        () => merchantRows(db, a.merchant.id),
        async () => {
          const answer = await as(a.mainKey).post("/v1/transactions/batch", {
            receipts: [
              { pos_id: a.other.sales[0]!.posId, ...receipt({ location_id: a.main.id }) },
              { pos_id: "new-1", ...receipt({ location_id: a.other.store.id }) },
              { pos_id: "new-2", ...refundOf(a.other.sales[1]!.posId, { location_id: a.main.id }) },
            ],
          });
          expect(answer.status, answer.text).toBe(200);
          expect(answer.json.results.map((r: any) => [r.result, r.status])).toEqual([
            ["error", 404],
            ["error", 422],
            ["error", 422],
          ]);
        },
      );
    },
  },

  "GET /v1/locations": {
    merchant: async ({ a, b }) => {
      expect(ids(await as(a.key).get("/v1/locations"))).toEqual(sorted([a.main.id, a.second.id]));
      expectCursorRefused(await as(a.key).get("/v1/locations", { cursor: await cursorOf(b.key, "/v1/locations") }));
    },
    location: async ({ a }) => {
      expect(ids(await as(a.mainKey).get("/v1/locations"))).toEqual([a.main.id]);
      expectCursorRefused(await as(a.mainKey).get("/v1/locations", { cursor: await cursorOf(a.key, "/v1/locations") }));
    },
  },
  // The instance's metrics: counts and timings of every merchant together, labelled by route
  // template only, so no merchant's ids, names or values (A's or B's) appear in them.
  "GET /metrics": {
    merchant: async ({ a }) => {
      const res = await as(a.key).get("/metrics");
      expect(res.status).toBe(200);
      expect(res.text).toContain("posbridge_http_request_duration_seconds_count");
      expectNoneOf(await merchantMarkers(a.merchant.id, a.tag), [res]);
    },
    location: async ({ a }) => {
      const res = await as(a.mainKey).get("/metrics");
      expect(res.status).toBe(200);
      expectNoneOf(await merchantMarkers(a.merchant.id, a.tag), [res]);
    },
  },
  "GET /v1/whoami": {
    merchant: async ({ a }) => {
      const me = await as(a.key).get("/v1/whoami");
      expect(me.json).toMatchObject({ merchant: { id: a.merchant.id }, all_locations: true });
      expect(me.json.locations.map((l: any) => l.id).sort()).toEqual(sorted([a.main.id, a.second.id]));
    },
    location: async ({ a }) => {
      const me = await as(a.mainKey).get("/v1/whoami");
      expect(me.json).toMatchObject({
        merchant: { id: a.merchant.id },
        all_locations: false,
        locations: [{ id: a.main.id }],
      });
    },
  },

  "GET /v1/reports/sales": {
    merchant: async ({ a, b }) => {
      const range = { from: DAY.from, to: DAY.to };
      const mine = await as(a.key).get("/v1/reports/sales", range);
      const expected = await expectedSales(a.merchant.id, null);
      expect(expected.receipts).toBeGreaterThan(0);
      expect(mine.json.totals).toMatchObject(expected);
      const theirs = await send(b.key, "get", "/v1/reports/sales", { query: range, quiet: true });
      expect(theirs.json.totals).toMatchObject(await expectedSales(b.merchant.id, null));
      expect(theirs.json.totals.net_sales).not.toBe(mine.json.totals.net_sales);
      expect(
        (await as(a.key).get("/v1/reports/sales", { ...range, location_id: b.main.id })).json.totals,
      ).toMatchObject({ receipts: 0, net_sales: "0.00", cost: "0.00" });
      for (const group_by of ["location", "product", "employee", "category", "brand"]) {
        expect((await as(a.key).get("/v1/reports/sales", { ...range, group_by })).json.totals).toMatchObject(expected);
      }
      expect((await as(a.key).get("/v1/reports/sales", { ...range, group_by: "product", format: "csv" })).status).toBe(
        200,
      );
    },
    location: async ({ a }) => {
      const range = { from: DAY.from, to: DAY.to };
      const expected = await expectedSales(a.merchant.id, [a.main.id]);
      expect((await as(a.mainKey).get("/v1/reports/sales", range)).json.totals).toMatchObject(expected);
      const byLocation = await as(a.mainKey).get("/v1/reports/sales", { ...range, group_by: "location" });
      expect(new Set(byLocation.json.data.map((r: any) => r.group_key))).toEqual(new Set([a.main.id]));
      expect(
        (await as(a.mainKey).get("/v1/reports/sales", { ...range, location_id: a.other.store.id })).json.totals,
      ).toMatchObject({ receipts: 0, net_sales: "0.00" });
      expect(
        (await as(a.mainKey).get("/v1/reports/sales", { ...range, group_by: "product" })).json.totals,
      ).toMatchObject(expected);
    },
  },
  "GET /v1/reports/inventory": {
    merchant: async ({ a, b }) => {
      const expected = await expectedStock(a.merchant.id, null);
      expect(expected.items).toBe(4);
      for (const group_by of ["location_category", "location", "category", "none"]) {
        expect((await as(a.key).get("/v1/reports/inventory", { group_by })).json.totals).toMatchObject(expected);
      }
      const theirs = await send(b.key, "get", "/v1/reports/inventory", { quiet: true });
      expect(theirs.json.totals).toMatchObject(await expectedStock(b.merchant.id, null));
      expect((await as(a.key).get("/v1/reports/inventory", { location_id: b.main.id })).json.totals).toMatchObject({
        items: 0,
        value_at_cost: "0.00",
      });
      expect((await as(a.key).get("/v1/reports/inventory", { format: "csv" })).status).toBe(200);
    },
    location: async ({ a }) => {
      const expected = await expectedStock(a.merchant.id, [a.main.id]);
      expect((await as(a.mainKey).get("/v1/reports/inventory")).json.totals).toMatchObject(expected);
      expect(
        (await as(a.mainKey).get("/v1/reports/inventory", { location_id: a.other.store.id })).json.totals,
      ).toMatchObject({ items: 0, value_at_cost: "0.00" });
    },
  },
  "GET /v1/reports/customers": {
    merchant: async ({ a, b }) => {
      const range = { from: DAY.from, to: DAY.to };
      const mine = await as(a.key).get("/v1/reports/customers", range);
      expect(mine.json.totals).toMatchObject(await expectedCustomers(a.merchant.id, null));
      expect(sorted(mine.json.top_customers.map((c: any) => c.customer_id))).toEqual(
        sorted([a.sharedCustomer.id, a.ownCustomer.id, a.other.customer.id]),
      );
      const theirs = await send(b.key, "get", "/v1/reports/customers", { query: range, quiet: true });
      expect(theirs.json.totals).toMatchObject(await expectedCustomers(b.merchant.id, null));
      expect(
        (await as(a.key).get("/v1/reports/customers", { ...range, location_id: b.main.id })).json.totals,
      ).toMatchObject({ receipts: 0, customers: 0, net_sales: "0.00" });
      expect(
        (await as(a.key).get("/v1/reports/customers", { ...range, format: "csv", table: "top_customers" })).status,
      ).toBe(200);
    },
    location: async ({ a }) => {
      const range = { from: DAY.from, to: DAY.to };
      const mine = await as(a.mainKey).get("/v1/reports/customers", range);
      expect(mine.json.totals).toMatchObject(await expectedCustomers(a.merchant.id, [a.main.id]));
      expect(sorted(mine.json.top_customers.map((c: any) => c.customer_id))).toEqual(
        sorted([a.sharedCustomer.id, a.ownCustomer.id]),
      );
      expect(
        (await as(a.mainKey).get("/v1/reports/customers", { ...range, location_id: a.other.store.id })).json.totals,
      ).toMatchObject({ receipts: 0, net_sales: "0.00" });
    },
  },

  "GET /v1/export/transactions": {
    merchant: async ({ a, b }) => {
      const mine = exported(await as(a.key).get("/v1/export/transactions", { format: "ndjson" }));
      expect(sorted(mine.map((r) => r.id))).toEqual(
        sorted([a.sharedSale, a.ownSale, a.refund, a.voided, ...a.other.sales].map((t) => t.id)),
      );
      expect((await as(a.key).get("/v1/export/transactions", { format: "csv" })).status).toBe(200);
      expect(
        exported(await as(a.key).get("/v1/export/transactions", { format: "ndjson", location_id: b.main.id })),
      ).toEqual([]);
      expectCursorRefused(
        await as(a.key).get("/v1/export/transactions", { cursor: await cursorOf(b.key, "/v1/transactions") }),
      );
    },
    location: async ({ a }) => {
      const mine = exported(await as(a.mainKey).get("/v1/export/transactions", { format: "ndjson", shape: "aiq" }));
      expect(mine).toHaveLength(4);
      expect((await as(a.mainKey).get("/v1/export/transactions", { format: "csv" })).status).toBe(200);
      expectCursorRefused(
        await as(a.mainKey).get("/v1/export/transactions", { cursor: await cursorOf(a.key, "/v1/transactions") }),
      );
    },
  },
  "GET /v1/export/customers": {
    merchant: async ({ a, b }) => {
      const mine = exported(await as(a.key).get("/v1/export/customers", { format: "ndjson" }));
      expect(sorted(mine.map((r) => r.id))).toEqual(
        sorted([a.sharedCustomer.id, a.ownCustomer.id, a.other.customer.id]),
      );
      expect(
        exported(await as(a.key).get("/v1/export/customers", { format: "ndjson", email: b.ownCustomer.email! })),
      ).toEqual([]);
      expect((await as(a.key).get("/v1/export/customers", { format: "csv" })).status).toBe(200);
      expectCursorRefused(
        await as(a.key).get("/v1/export/customers", { cursor: await cursorOf(b.key, "/v1/customers") }),
      );
    },
    location: async ({ a }) => {
      const mine = exported(await as(a.mainKey).get("/v1/export/customers", { format: "ndjson" }));
      expect(mine.find((r) => r.id === a.other.customer.id)?.visits).toMatchObject({
        visit_count: 0,
        lifetime_spend: "0.00",
      });
      expectCursorRefused(
        await as(a.mainKey).get("/v1/export/customers", { cursor: await cursorOf(a.key, "/v1/customers") }),
      );
    },
  },
  "GET /v1/export/inventory": {
    merchant: async ({ a, b }) => {
      const mine = exported(await as(a.key).get("/v1/export/inventory", { format: "ndjson" }));
      expect(sorted(mine.map((r) => r.id))).toEqual(sorted([...a.items, ...a.other.items].map((i) => i.id)));
      expect(
        exported(await as(a.key).get("/v1/export/inventory", { format: "ndjson", location_id: b.main.id })),
      ).toEqual([]);
      expect((await as(a.key).get("/v1/export/inventory", { format: "csv" })).status).toBe(200);
      expectCursorRefused(
        await as(a.key).get("/v1/export/inventory", { cursor: await cursorOf(b.key, "/v1/inventory") }),
      );
    },
    location: async ({ a }) => {
      const mine = exported(await as(a.mainKey).get("/v1/export/inventory", { format: "ndjson" }));
      expect(sorted(mine.map((r) => r.id))).toEqual(sorted(a.items.map((i) => i.id)));
      expectCursorRefused(
        await as(a.mainKey).get("/v1/export/inventory", { cursor: await cursorOf(a.key, "/v1/inventory") }),
      );
    },
  },
};

// ---------------------------------------------------------------------------------------------
// The data layer's wall (src/db/sql.ts, src/db/tenant.ts), checked on what ran, not on SQL text:
// - every statement the data layer ran during a call is a tenantStatement whose tenant is the
//   call's key's (its merchant, and its stores for a key limited to some), or a reviewedStatement
//   for one of the reasons below; a call without a valid key runs no tenant statement at all;
// - nothing reaches the app's pool around the data layer: every statement the pool received was
//   heard by onStatement (run, first, execute, or a cursor's pgQuery), except transaction control.

/** The reviewed reasons a request may run statements for, and why each is safe there. */
const ALLOWED_IN_REQUESTS: Partial<Record<ReviewedReason, string>> = {
  "key-lookup": "finding the calling key by its prefix is how the merchant becomes known (the hash then proves it)",
  "no-tenant-table": "rate-limit counters, migrations and the server's statistics hold no merchant's rows",
  "locked-by-id":
    "ids that the same transaction has just read and locked under the merchant's scope (a receipt's lines, its " +
    "refunds)",
  "instance-figure":
    "GET /metrics (metrics:read) counts rows over the whole instance: a number, never a merchant's row, id or value",
};
// Not allowed: "command" (an operator's rights, outside any request).

/** Transaction plumbing: touches no row, so it needs no scope (and pg sends it as plain text). */
const TRANSACTION_CONTROL =
  /^\s*(?:BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|SET\s+(?:LOCAL\s+|TRANSACTION\b))/i;

interface KeyScope {
  merchantId: string;
  /** Sorted; null: every store of the merchant. */
  locationIds: string[] | null;
}

const keyScopes = new Map<string, KeyScope | null>();
/** The merchant and stores of a key as sent (null: no key, or not one of ours). */
async function keyScopeOf(key: string): Promise<KeyScope | null> {
  if (!keyScopes.has(key)) {
    const prefix = parseKey(key)?.prefix;
    const { rows } = prefix
      ? await db.pool.query<{ merchant_id: string; location_ids: string[] }>(
          "SELECT merchant_id, location_ids::text[] AS location_ids FROM api_keys WHERE prefix = $1",
          [prefix],
        )
      : { rows: [] };
    const row = rows[0];
    keyScopes.set(
      key,
      row
        ? { merchantId: row.merchant_id, locationIds: row.location_ids.length ? [...row.location_ids].sort() : null }
        : null,
    );
  }
  return keyScopes.get(key)!;
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 240);
const storesOf = (ids: string[] | null) => (ids ? [...ids].sort().join(",") : "every store");

/** Where the app's statements since `mark` leave the wall: one line per statement, saying how. */
async function wallBreaches(mark: { heard: number; received: number }): Promise<string[]> {
  const breaches = new Set<string>();
  const ran = heard.slice(mark.heard);
  for (const { caller, statement } of ran) {
    if (caller === TEST_CALLER) continue; // the test's own statements
    const text = oneLine(statement.compiled.sql);
    const { scope } = statement;
    if ("reviewed" in scope) {
      if (!ALLOWED_IN_REQUESTS[scope.reviewed]) breaches.add(`reviewed "${scope.reviewed}", not for requests: ${text}`);
      continue;
    }
    // A tenant statement outside every call (no caller: a background task, or a context lost) is one too.
    if (caller === undefined) {
      breaches.add(`a tenant statement outside any call: ${text}`);
      continue;
    }
    const key = caller ? await keyScopeOf(caller) : null;
    const { merchantId, locationIds } = scope.tenant;
    if (!key) breaches.add(`a tenant statement in a call without a valid key: ${text}`);
    else if (merchantId !== key.merchantId) breaches.add(`tenant of another merchant (${merchantId}): ${text}`);
    else if (storesOf(locationIds) !== storesOf(key.locationIds)) {
      breaches.add(`tenant with stores ${storesOf(locationIds)}, the key's are ${storesOf(key.locationIds)}: ${text}`);
    }
  }
  // What the pool received, less what the data layer ran (as many times as it ran it).
  const ranTexts = new Map<string, number>();
  for (const { statement } of ran)
    ranTexts.set(statement.compiled.sql, (ranTexts.get(statement.compiled.sql) ?? 0) + 1);
  for (const text of received.slice(mark.received)) {
    if (TRANSACTION_CONTROL.test(text)) continue;
    const left = ranTexts.get(text) ?? 0;
    if (left > 0) ranTexts.set(text, left - 1);
    else breaches.add(`not through the data layer (run/first/execute/pgQuery): ${oneLine(text)}`);
  }
  return [...breaches];
}

const wallMark = () => ({ heard: heard.length, received: received.length });

async function expectWallHeld(mark: { heard: number; received: number }) {
  const breaches = await wallBreaches(mark);
  expect(breaches, `statements outside the data layer's scope:\n${breaches.join("\n")}`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------

const byRoute = routes.map((route) => [label(route), route] as const);

async function run(route: RouteDef, which: keyof RouteScenarios) {
  const scenario = scenarios[label(route)];
  if (!scenario) expect.fail(`${label(route)} has no isolation scenario: add one to the table in this file`);
  const world = await makeWorld(db);
  answers = [];
  const mark = wallMark();
  await callers.run(TEST_CALLER, () => scenario[which](world));
  expectNoneOf(
    which === "merchant" ? await merchantMarkers(world.b.merchant.id, world.b.tag) : await otherStoreMarkers(world),
    answers,
  );
  await expectWallHeld(mark);
}

describe("tenant isolation over every route", () => {
  it("when the router's routes are listed, then each has an isolation scenario, and each scenario a route", () => {
    expect(sorted(Object.keys(scenarios))).toEqual(sorted(byRoute.map(([name]) => name)));
  });

  it(prose`
    when a merchant without data calls every read route of the router, then every list and export is empty, every report
    zero, and B's ids are 404
  `, async () => {
    const w = await makeWorld(db);
    const { key } = await makeKey(db, (await makeMerchant(db)).id);
    answers = [];
    const mark = wallMark();
    const zero = (value: unknown) =>
      value === null || value === 0 || (typeof value === "string" && /^0(\.0+)?$/.test(value));
    for (const route of routes.filter((r) => r.method === "get" && r.scope !== null)) {
      const params = Object.keys((route.params as { shape?: object } | undefined)?.shape ?? {});
      const accepts = Object.keys((route.query as { shape?: object } | undefined)?.shape ?? {});
      const query = {
        ...(accepts.includes("from") ? { from: DAY.from, to: DAY.to } : {}),
        ...(route.path.startsWith("/v1/export/") ? { format: "ndjson" } : {}),
      };
      if (params.length) {
        // B's ids of every kind, at every id route: none is found.
        const ids = [w.b.sharedCustomer.id, w.b.ownSale.id, w.b.items[0]!.id, w.b.main.id];
        for (const id of ids)
          expect((await as(key).get(route.path.replace(/\{\w+\}/, id), query)).status, label(route)).toBe(404);
        continue;
      }
      const answer = await as(key).get(route.path, query);
      expect(answer.status, `${label(route)}: ${answer.text.slice(0, 200)}`).toBe(200);
      if (route.path.startsWith("/v1/export/")) expect(exported(answer), label(route)).toEqual([]);
      else if (route.scope === "metrics:read") expect(answer.text, label(route)).toContain("posbridge_");
      else if ("has_more" in answer.json) expect(answer.json.data, label(route)).toEqual([]);
      else if ("totals" in answer.json) {
        for (const [figure, value] of Object.entries(answer.json.totals))
          expect(zero(value), `${label(route)} totals.${figure} = ${value}`).toBe(true);
        expect(answer.json.top_customers ?? [], label(route)).toEqual([]);
      } else expect(answer.json.locations, label(route)).toEqual([]);
    }
    expectNoneOf(await merchantMarkers(w.b.merchant.id, w.b.tag), answers);
    expectNoneOf(await merchantMarkers(w.a.merchant.id, w.a.tag), answers);
    await expectWallHeld(mark);
  });

  it.each(byRoute)(
    "when merchant A's key calls %s, then nothing of merchant B is seen or changed",
    async (_label, route) => {
      await run(route, "merchant");
    },
  );

  it.each(byRoute)(
    "when A's key limited to one store calls %s, then nothing of A's other store is seen or changed",
    async (_label, route) => {
      await run(route, "location");
    },
  );
});

describe("the data layer's wall (the check every scenario above ends with)", () => {
  async function breachesOf(caller: string, act: () => Promise<unknown>) {
    const mark = wallMark();
    await callers.run(caller, act);
    return wallBreaches(mark);
  }

  it(prose`
    when A's call runs statements scoped to A's key (to its store, for the key limited to one), reviewed ones and
    transaction control, then the wall holds
  `, async () => {
    const { a } = await makeWorld(db);
    const pool = appDb.pool;
    expect(await breachesOf(a.key, () => runStatement(pool, probe(new Tenant(a.merchant.id))))).toEqual([]);
    expect(
      await breachesOf(a.mainKey, () => runStatement(pool, probe(new Tenant(a.merchant.id, [a.main.id])))),
    ).toEqual([]);
    const inTransaction = async () => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await runStatement(client, reviewedStatement("no-tenant-table", sql<number>`SELECT 1 AS one`));
        await runStatement(client, probe(new Tenant(a.merchant.id)));
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    };
    expect(await breachesOf(a.key, inTransaction)).toEqual([]);
  });

  it(prose`
    when A's key calls the app (a GET, and a POST with a body) and its handler runs statements under A's scope, then the
    wall attributes them to A's key and holds
  `, async () => {
    const { a } = await makeWorld(db);
    const mark = wallMark();
    await callers.run(TEST_CALLER, async () => {
      expect((await send(a.key, "get", "/test/wall/scoped", { quiet: true })).status).toBe(204);
      expect((await send(a.mainKey, "get", "/test/wall/scoped", { quiet: true })).status).toBe(204);
      const body = { merchant_id: a.merchant.id };
      expect((await send(a.key, "post", "/test/wall/merchant", { body, quiet: true })).status).toBe(204);
    });
    const probes = heard.slice(mark.heard).filter((h) => h.statement.compiled.sql.includes("wall_probe"));
    expect(probes.map((h) => h.caller)).toEqual([a.key, a.mainKey, a.key]);
    expect((await wallBreaches(mark)).filter((breach) => breach.includes("wall_probe"))).toEqual([]);
  });

  it(prose`
    when A's key calls the app and its handler runs a statement under B's scope, then the wall names it
  `, async () => {
    const { a, b } = await makeWorld(db);
    const mark = wallMark();
    const body = { merchant_id: b.merchant.id };
    await callers.run(TEST_CALLER, async () => {
      expect((await send(a.key, "post", "/test/wall/merchant", { body, quiet: true })).status).toBe(204);
    });
    expect((await wallBreaches(mark)).filter((breach) => breach.includes("wall_probe"))).toEqual([
      expect.stringMatching(new RegExp(`^tenant of another merchant \\(${b.merchant.id}\\): .*wall_probe`)),
    ]);
  });

  it(prose`
    when A's call runs a statement scoped to B, one that ignores its key's store, a command's, a tenant statement
    without a key, or SQL around the data layer, then the wall names each
  `, async () => {
    const { a, b } = await makeWorld(db);
    const pool = appDb.pool;
    expect(await breachesOf(a.key, () => runStatement(pool, probe(new Tenant(b.merchant.id))))).toEqual([
      expect.stringMatching(new RegExp(`^tenant of another merchant \\(${b.merchant.id}\\): .*wall_probe`)),
    ]);
    expect(await breachesOf(a.mainKey, () => runStatement(pool, probe(new Tenant(a.merchant.id))))).toEqual([
      expect.stringMatching(/^tenant with stores every store, the key's are [\w-]+: .*wall_probe/),
    ]);
    expect(
      await breachesOf(a.key, () => runStatement(pool, reviewedStatement("command", sql<number>`SELECT 1 AS one`))),
    ).toEqual([expect.stringMatching(/^reviewed "command", not for requests: SELECT 1/)]);
    expect(await breachesOf("", () => runStatement(pool, probe(new Tenant(a.merchant.id))))).toEqual([
      expect.stringMatching(/^a tenant statement in a call without a valid key: .*wall_probe/),
    ]);
    const raw = () => pool.query("SELECT id AS wall_probe FROM customers WHERE merchant_id = $1", [a.merchant.id]);
    expect(await breachesOf(a.key, raw)).toEqual([
      "not through the data layer (run/first/execute/pgQuery): SELECT id AS wall_probe FROM customers WHERE " +
        "merchant_id = $1",
    ]);
  });
});
