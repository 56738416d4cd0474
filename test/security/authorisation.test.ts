// Function-level authorisation (OWASP API5) over every route of the service, as the route list
// stands: a route that needs a scope refuses a key holding every other scope; a route for any key
// takes a key with a single unrelated scope; a public route needs no key.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { SCOPES, type Scope } from "../../src/keys/scopes.js";
import { prose } from "../../src/lib/prose.js";
import type { RouteDef } from "../../src/lib/route.js";
import { routes } from "../../src/routes.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeMerchant } from "../helpers/factories.js";
import { appOver } from "./apps.js";

const db = await createTestDb();
const app = appOver(db, {
  env: {
    RATE_LIMIT_PER_MINUTE: "100000",
    RATE_LIMIT_HEAVY_PER_MINUTE: "100000",
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "100000",
  },
});
const merchant = await makeMerchant(db);

const NOWHERE = "00000000-0000-4000-8000-000000000000";
const call = (route: RouteDef, key?: string) => {
  let req = request(app)[route.method](route.path.replace(/\{\w+\}/g, NOWHERE));
  if (key) req = req.set("x-apikey", key);
  return ["post", "put", "patch"].includes(route.method) ? req.send({}) : req;
};
const label = (route: RouteDef) => `${route.method.toUpperCase()} ${route.path}`;

const scoped = routes.filter((r): r is RouteDef & { scope: Scope } => r.scope !== null && r.scope !== "any");

describe("function-level authorisation", () => {
  it(prose`
    when the service is listed, then every /v1 route needs a key (public: only health, the API document and the docs
    page)
  `, () => {
    const open = routes.filter((r) => r.scope === null).map((r) => r.path);
    expect(open.filter((path) => path.startsWith("/v1"))).toEqual([]);
    expect(scoped.length).toBeGreaterThan(0);
  });

  it.each(scoped.map((route) => [label(route), route] as const))(
    "when %s is called by a key with every scope but the one it needs, then 403 naming that scope",
    async (_label, route) => {
      const { key } = await makeKey(db, merchant.id, { scopes: SCOPES.filter((s) => s !== route.scope) });
      const res = await call(route, key);
      expect(res.status).toBe(403);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: "forbidden", required_scope: route.scope });
    },
  );

  it.each(scoped.map((route) => [label(route), route] as const))(
    "when %s is called with its scope alone, then it is not refused",
    async (_label, route) => {
      const { key } = await makeKey(db, merchant.id, { scopes: [route.scope] });
      const res = await call(route, key);
      expect([401, 403]).not.toContain(res.status);
    },
  );

  it.each(routes.filter((r) => r.scope !== null).map((route) => [label(route), route] as const))(
    "when %s is called without a key, then 401",
    async (_label, route) => {
      const res = await call(route);
      expect(res.status).toBe(401);
    },
  );

  it.each(routes.filter((r) => r.scope === "any").map((route) => [label(route), route] as const))(
    "when %s (any valid key) is called by a key with one unrelated scope, then it answers",
    async (_label, route) => {
      const { key } = await makeKey(db, merchant.id, { scopes: ["pos:write"] });
      expect((await call(route, key)).status).toBe(200);
    },
  );

  it(prose`
    when the POS's write key reads, AIQ's read key writes, or a reporting key reads transactions, then 403
  `, async () => {
    const { key: pos } = await makeKey(db, merchant.id, { scopes: ["pos:write"] });
    const { key: aiq } = await makeKey(db, merchant.id, {
      scopes: ["transactions:read", "customers:read", "inventory:read"],
    });
    const { key: reports } = await makeKey(db, merchant.id, { scopes: ["reports:read"] });
    const find = (method: RouteDef["method"], path: string) =>
      routes.find((r) => r.method === method && r.path === path)!;

    for (const path of ["/v1/transactions", "/v1/customers", "/v1/inventory"])
      expect((await call(find("get", path), pos)).status, path).toBe(403);
    for (const route of routes.filter((r) => r.method !== "get" && r.scope !== null && r.scope !== "any")) {
      expect((await call(route, aiq)).status, label(route)).toBe(403);
    }
    for (const path of ["/v1/transactions", "/v1/transactions/{id}", "/v1/customers", "/v1/inventory"]) {
      expect((await call(find("get", path), reports)).status, path).toBe(403);
    }
  });
});
