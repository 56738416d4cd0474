// Real answers of every route, checked against the API document by a JSON Schema validator: for
// each operation a table entry makes real requests against a seeded database (successes and the
// route's own errors), and every route also gets its generic errors (no key, a key without the
// scope, an unknown parameter, an unknown record). A route added to src/routes.ts without an
// entry here fails the guard test: new routes must be added.
import { randomUUID } from "node:crypto";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { SCOPES } from "../../src/keys/scopes.js";
import { prose } from "../../src/lib/prose.js";
import type { RouteDef } from "../../src/lib/route.js";
import { routes } from "../../src/routes.js";
import { createTestApp } from "../helpers/app.js";
import {
  lineFor,
  makeCustomer,
  makeEmployee,
  makeInventory,
  makeKey,
  makeLocation,
  makeMerchant,
  makeProduct,
  makeTransaction,
} from "../helpers/factories.js";
import { documentValidator } from "./validate.js";

const LIMITS = {
  RATE_LIMIT_PER_MINUTE: "100000",
  RATE_LIMIT_HEAVY_PER_MINUTE: "100000",
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "100000",
};
const { app, db } = await createTestApp({ env: LIMITS });
const document = (await request(app).get("/openapi.json")).body;
const { checkAnswer } = documentValidator(document);

// The world the requests read: a store with stock, a customer, a sale, its refund and a void.
const merchant = await makeMerchant(db);
const store = await makeLocation(db, merchant.id, { name: "Uptown" });
const budtender = await makeEmployee(db, merchant.id);
const customer = await makeCustomer(db, merchant.id);
const product = await makeProduct(db, merchant.id);
await makeInventory(db, { merchantId: merchant.id, locationId: store.id, productId: product.id });
const sale = await makeTransaction(db, store, {
  customerId: customer.id,
  employeeId: budtender.id,
  transactedAt: new Date("2026-10-05T18:00:00Z"),
  lines: [lineFor(product, { unitPrice: "35.00", quantity: "2", discount: "5.00", tax: "4.88" })],
});
const refund = await makeTransaction(db, store, {
  customerId: customer.id,
  refundOf: sale,
  transactedAt: new Date("2026-10-07T18:00:00Z"),
  lines: [lineFor(product, { unitPrice: "35.00", quantity: "1", tax: "2.44" })],
});
await makeTransaction(db, store, {
  transactedAt: new Date("2026-10-06T18:00:00Z"),
  voidedAt: new Date("2026-10-06T18:02:00Z"),
});
const { key } = await makeKey(db, merchant.id);

/** A key with every scope but `scope`. */
const keysWithout = new Map<string, string>();
for (const scope of SCOPES)
  keysWithout.set(scope, (await makeKey(db, merchant.id, { scopes: SCOPES.filter((s) => s !== scope) })).key);

const http = request(app);
const withKey = (test: request.Test, apiKey = key) => test.set("x-apikey", apiKey);
const receipt = (overrides: Record<string, unknown> = {}) => ({
  location_id: store.id,
  transacted_at: "2026-10-08T18:30:00-06:00",
  lines: [
    {
      sku: product.sku,
      name: product.name,
      category: "Flower",
      unit_price: "35.00",
      quantity: 2,
      discount: "5.00",
      tax: "4.88",
    },
  ],
  ...overrides,
});
const stockItem = {
  location_id: store.id,
  sku: "INV-OPENAPI",
  name: "Gummies",
  category: "Edibles",
  quantity: 12,
  unit_cost: "6.25",
  sale_price: "18.00",
};
const range = { from: "2026-10-01", to: "2026-11-01" };

interface Case {
  name: string;
  status: number;
  send: () => request.Test;
}

/** The real requests of each operation, keyed by operationId. Every route must have an entry. */
const cases: Record<string, () => Case[]> = {
  healthz: () => [{ name: "up", status: 200, send: () => http.get("/healthz") }],
  readyz: () => [{ name: "ready", status: 200, send: () => http.get("/readyz") }],
  getOpenApiDocument: () => [{ name: "the document", status: 200, send: () => http.get("/openapi.json") }],
  getMetrics: () => [{ name: "the metrics", status: 200, send: () => withKey(http.get("/metrics")) }],
  getDocsPage: () => [{ name: "the page", status: 200, send: () => http.get("/docs") }],
  getDocsAsset: () => [
    { name: "style sheet", status: 200, send: () => http.get("/docs/assets/swagger-ui.css") },
    { name: "script", status: 200, send: () => http.get("/docs/assets/swagger-ui-bundle.js") },
    { name: "start script", status: 200, send: () => http.get("/docs/assets/docs-init.js") },
    { name: "icon", status: 200, send: () => http.get("/docs/assets/favicon-32x32.png") },
    { name: "unknown file", status: 404, send: () => http.get("/docs/assets/nope.js") },
  ],
  listCustomers: () => [
    { name: "feed", status: 200, send: () => withKey(http.get("/v1/customers")) },
    {
      name: "by creation, as AIQ members",
      status: 200,
      send: () => withKey(http.get("/v1/customers").query({ created_from: "2020-01-01T00:00:00Z", format: "aiq" })),
    },
  ],
  getCustomer: () => [{ name: "one", status: 200, send: () => withKey(http.get(`/v1/customers/${customer.id}`)) }],
  putCustomer: () => [
    {
      name: "created",
      status: 201,
      send: () =>
        withKey(
          http
            .put("/v1/customers/pos-openapi")
            .send({ first_name: "Ola", phone: "303-555-0100", loyalty_opt_in: true }),
        ),
    },
    {
      name: "unchanged",
      status: 200,
      send: () =>
        withKey(
          http
            .put("/v1/customers/pos-openapi")
            .send({ first_name: "Ola", phone: "303-555-0100", loyalty_opt_in: true }),
        ),
    },
    {
      name: "invalid phone",
      status: 422,
      send: () => withKey(http.put("/v1/customers/pos-openapi-2").send({ phone: "12345" })),
    },
  ],
  patchCustomer: () => [
    {
      name: "updated",
      status: 200,
      send: () => withKey(http.patch(`/v1/customers/${customer.id}`).send({ city: "Aurora" })),
    },
    {
      name: "stale If-Match",
      status: 412,
      send: () =>
        withKey(http.patch(`/v1/customers/${customer.id}`).send({ city: "Golden" })).set("If-Match", '"stale"'),
    },
    {
      name: "invalid email",
      status: 422,
      send: () => withKey(http.patch(`/v1/customers/${customer.id}`).send({ email: "a@b" })),
    },
  ],
  listInventory: () => [
    { name: "feed", status: 200, send: () => withKey(http.get("/v1/inventory")) },
    {
      name: "as AIQ items",
      status: 200,
      send: () => withKey(http.get("/v1/inventory").query({ format: "aiq", location_id: store.id })),
    },
  ],
  putInventory: () => [
    { name: "stock written", status: 200, send: () => withKey(http.put("/v1/inventory").send({ items: [stockItem] })) },
  ],
  listTransactions: () => [
    { name: "feed", status: 200, send: () => withKey(http.get("/v1/transactions")) },
    {
      name: "business time, as AIQ visits",
      status: 200,
      send: () =>
        withKey(http.get("/v1/transactions").query({ transacted_from: "2026-10-01T00:00:00Z", format: "aiq" })),
    },
  ],
  getTransaction: () => [
    { name: "sale", status: 200, send: () => withKey(http.get(`/v1/transactions/${sale.id}`)) },
    { name: "refund", status: 200, send: () => withKey(http.get(`/v1/transactions/${refund.id}`)) },
  ],
  putTransaction: () => [
    { name: "created", status: 201, send: () => withKey(http.put("/v1/transactions/OA-1").send(receipt())) },
    { name: "unchanged", status: 200, send: () => withKey(http.put("/v1/transactions/OA-1").send(receipt())) },
    {
      name: "refund of an unknown sale",
      status: 422,
      send: () => withKey(http.put("/v1/transactions/OA-R").send(receipt({ original_pos_id: "nowhere" }))),
    },
  ],
  voidTransaction: () => [
    {
      name: "voided",
      status: 200,
      send: () => withKey(http.post("/v1/transactions/OA-1/void").send({ voided_at: "2026-10-08T18:45:00-06:00" })),
    },
    { name: "unknown receipt", status: 404, send: () => withKey(http.post("/v1/transactions/OA-NOPE/void").send({})) },
  ],
  batchTransactions: () => [
    {
      name: "batch",
      status: 200,
      send: () =>
        withKey(
          http
            .post("/v1/transactions/batch")
            .send({ receipts: [{ pos_id: "OA-B1", ...receipt() }, { pos_id: "OA-B2" }] }),
        ),
    },
  ],
  listLocations: () => [{ name: "stores", status: 200, send: () => withKey(http.get("/v1/locations")) }],
  whoami: () => [{ name: "the key", status: 200, send: () => withKey(http.get("/v1/whoami")) }],
  getSalesReport: () => [
    { name: "by day", status: 200, send: () => withKey(http.get("/v1/reports/sales").query(range)) },
    ...(["location", "category", "brand", "product", "employee"] as const).map((group_by) => ({
      name: `by ${group_by}`,
      status: 200,
      send: () => withKey(http.get("/v1/reports/sales").query({ ...range, period: "week", group_by })),
    })),
    {
      name: "CSV",
      status: 200,
      send: () => withKey(http.get("/v1/reports/sales").query(range)).set("Accept", "text/csv"),
    },
    {
      name: "not acceptable",
      status: 406,
      send: () => withKey(http.get("/v1/reports/sales").query(range)).set("Accept", "image/png"),
    },
  ],
  getInventoryReport: () => [
    { name: "by location and category", status: 200, send: () => withKey(http.get("/v1/reports/inventory")) },
    { name: "CSV", status: 200, send: () => withKey(http.get("/v1/reports/inventory").query({ format: "csv" })) },
  ],
  getCustomersReport: () => [
    {
      name: "by month",
      status: 200,
      send: () => withKey(http.get("/v1/reports/customers").query({ ...range, period: "month" })),
    },
    {
      name: "CSV of top customers",
      status: 200,
      send: () => withKey(http.get("/v1/reports/customers").query({ ...range, table: "top_customers", format: "csv" })),
    },
  ],
  exportTransactions: () => [
    {
      name: "NDJSON",
      status: 200,
      send: () => withKey(http.get("/v1/export/transactions").query({ format: "ndjson" })),
    },
    { name: "CSV", status: 200, send: () => withKey(http.get("/v1/export/transactions").query({ format: "csv" })) },
  ],
  exportCustomers: () => [
    { name: "NDJSON", status: 200, send: () => withKey(http.get("/v1/export/customers").query({ format: "ndjson" })) },
    { name: "CSV", status: 200, send: () => withKey(http.get("/v1/export/customers").query({ format: "csv" })) },
  ],
  exportInventory: () => [
    { name: "NDJSON", status: 200, send: () => withKey(http.get("/v1/export/inventory").query({ format: "ndjson" })) },
    { name: "CSV", status: 200, send: () => withKey(http.get("/v1/export/inventory").query({ format: "csv" })) },
  ],
};

/** A path with its parameters filled: real ids where there are records, anything else otherwise. */
function urlOf(route: RouteDef, values: Record<string, string> = {}) {
  return route.path.replace(
    /\{(\w+)\}/g,
    (_, name: string) =>
      values[name] ?? ({ id: sale.id, file: "swagger-ui.css" } as Record<string, string>)[name] ?? "OA-GENERIC",
  );
}

const call = (route: RouteDef, url: string) => http[route.method](url);

/** The errors every route of its kind can answer, made for real. */
function genericCases(route: RouteDef): Case[] {
  const generic: Case[] = [];
  const url = urlOf(route);
  if (route.scope !== null) {
    generic.push({ name: "no key", status: 401, send: () => call(route, url) });
    generic.push({
      name: "malformed key",
      status: 401,
      send: () => call(route, url).set("Authorization", "Bearer pb_test_nope"),
    });
  }
  if (route.scope !== null && route.scope !== "any") {
    const keyWithout = keysWithout.get(route.scope)!;
    generic.push({
      name: `key without ${route.scope}`,
      status: 403,
      send: () => withKey(call(route, url), keyWithout),
    });
  }
  generic.push({
    name: "unknown query parameter",
    status: 400,
    send: () => withKey(call(route, url).query({ zzz_unknown: "1" })),
  });
  if (route.body) {
    generic.push({
      name: "body of the wrong shape",
      status: 400,
      send: () => withKey(call(route, url).send([1, 2, 3])),
    });
  }
  if (route.method === "get" && route.params && route.scope !== null) {
    const unknown = Object.fromEntries(
      Object.keys((route.params as any).shape ?? {}).map((name) => [name, randomUUID()]),
    );
    generic.push({ name: "unknown record", status: 404, send: () => withKey(call(route, urlOf(route, unknown))) });
  }
  return generic;
}

async function expectDocumented(route: RouteDef, c: Case) {
  const res = await c.send();
  expect(res.status, `${route.operationId} ${c.name}: ${(res.text ?? "").slice(0, 300)}`).toBe(c.status);
  expect(checkAnswer(route, res), `${route.operationId} ${c.name}`).toEqual([]);
}

describe("every route's real answers validate against /openapi.json", () => {
  it("when a route has no entry in the table, then this fails naming it (add its requests here)", () => {
    const operationIds = routes.map((r) => r.operationId).sort();
    expect(
      operationIds.filter((id) => !cases[id]),
      "routes without requests in test/openapi/responses.test.ts",
    ).toEqual([]);
    expect(
      Object.keys(cases).filter((id) => !operationIds.includes(id)),
      "entries for routes that no longer exist",
    ).toEqual([]);
  });

  for (const route of routes) {
    it(prose`
      ${route.operationId} (${route.method.toUpperCase()} ${route.path}): its answers match the document
    `, async () => {
      const own = cases[route.operationId]?.() ?? [];
      expect(own.length, "requests in the table").toBeGreaterThan(0);
      for (const c of [...own, ...genericCases(route)]) await expectDocumented(route, c);
    });
  }

  it("when a key is over its budget, then the 429 matches the document too", async () => {
    const limited = await createTestApp({ env: { RATE_LIMIT_HEAVY_PER_MINUTE: "1" } });
    const m = await makeMerchant(limited.db);
    const { key: limitedKey } = await makeKey(limited.db, m.id, { scopes: ["reports:read"] });
    const route = routes.find((r) => r.operationId === "getInventoryReport")!;
    const send = () => request(limited.app).get("/v1/reports/inventory").set("x-apikey", limitedKey);
    expect((await send()).status).toBe(200);
    const res = await send();
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    expect(checkAnswer(route, res)).toEqual([]);
  });
});
