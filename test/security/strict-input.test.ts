// The request contract, enforced the same way on every route by the one mechanism (defineRoute +
// parseParts): an unknown query parameter is a 400 on every route (a misspelled or made-up flag is
// never ignored, so `?dry_run=true` cannot apply a write); an empty body is no body (a 400 where a
// body is required, never an empty record); integer parameters take decimal digits only.
import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { routes } from "../../src/routes.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { appOver } from "./apps.js";

const db = await createTestDb();
const app = appOver(db, { env: { RATE_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_HEAVY_PER_MINUTE: "100000" } });
const merchant = await makeMerchant(db);
const location = await makeLocation(db, merchant.id, { posId: "strict-store" });
const { key } = await makeKey(db, merchant.id);

const label = (route: (typeof routes)[number]) => `${route.method.toUpperCase()} ${route.path}`;
const urlOf = (path: string) => path.replace(/\{\w+\}/g, "strict-1");
const count = async (table: string) => Number((await db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);

describe("unknown query parameters", () => {
  it(prose`
    when any route (reads, writes, health, documents) gets an unknown query parameter, then 400 naming it
  `, async () => {
    for (const route of routes) {
      const res = await request(app)[route.method](urlOf(route.path)).query({ dry_run: "true" }).set("x-apikey", key);
      expect(res.status, label(route)).toBe(400);
      expect(res.headers["content-type"], label(route)).toMatch(/^application\/problem\+json/);
      expect(res.body.errors, label(route)).toContainEqual({
        location: "query.dry_run",
        message: "Unknown query parameter 'dry_run'.",
        code: "unknown_parameter",
      });
    }
  });

  it("when PUT /v1/inventory comes with ?dry_run=true and a valid body, then 400 and nothing is written", async () => {
    const body = { items: [{ location_id: location.id, sku: "DRY-1", name: "Dry run", quantity: 5 }] };
    const before = await count("inventory_items");
    const res = await request(app).put("/v1/inventory").query({ dry_run: "true" }).set("x-apikey", key).send(body);
    expect(res.status).toBe(400);
    expect(await count("inventory_items")).toBe(before);
    // The same body without the flag is written: the 400 was the flag's.
    expect((await request(app).put("/v1/inventory").set("x-apikey", key).send(body)).status).toBe(200);
    expect(await count("inventory_items")).toBe(before + 1);
  });
});

describe("empty bodies", () => {
  const needBody = routes.filter((route) => route.body && !route.body.safeParse(undefined).success);

  it("when a route that needs a body gets a 0-byte JSON body, then 400 at `body`, and nothing is written", async () => {
    expect(needBody.map(label)).toContain("PUT /v1/customers/{pos_user}");
    const before = await count("customers");
    for (const route of needBody) {
      const res = await request(app)
        [route.method](urlOf(route.path))
        .set("x-apikey", key)
        .set("Content-Type", "application/json")
        .send("");
      expect(res.status, label(route)).toBe(400);
      expect(
        res.body.errors?.map((e: { location: string }) => e.location),
        label(route),
      ).toContain("body");
    }
    expect(await count("customers")).toBe(before);
  });

  it("when PUT /v1/customers/{pos_user} gets a 0-byte body, then 400 and no customer is created", async () => {
    const res = await request(app)
      .put("/v1/customers/strict-empty")
      .set("x-apikey", key)
      .set("Content-Type", "application/json")
      .send("");
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ location: "body", code: "invalid_type" }));
    expect((await db.pool.query("SELECT 1 FROM customers WHERE pos_user = 'strict-empty'")).rowCount).toBe(0);
  });

  it(prose`
    when POST /v1/transactions/{pos_id}/void (whose body is optional) gets a 0-byte body, then it is no body, not a 400
  `, async () => {
    const res = await request(app)
      .post("/v1/transactions/no-such-receipt/void")
      .set("x-apikey", key)
      .set("Content-Type", "application/json")
      .send("");
    expect(res.status).toBe(404);
  });

  it("when PUT /v1/customers/{pos_user} gets no body at all, then 400 too", async () => {
    const before = await count("customers");
    const res = await request(app).put("/v1/customers/strict-2").set("x-apikey", key);
    expect(res.status).toBe(400);
    expect(await count("customers")).toBe(before);
  });
});

describe("integer parameters", () => {
  const integerParams = [
    { path: "/v1/customers", name: "limit" },
    { path: "/v1/export/inventory", name: "max_records", extra: { format: "ndjson" } },
    { path: "/v1/reports/customers", name: "top", extra: { from: "2026-10-01", to: "2026-11-01" } },
  ];

  it("when an integer parameter is written as 0x10, 1e2, +5, 5.0, ' 5' or 5_0, then 400 naming it", async () => {
    for (const { path, name, extra } of integerParams) {
      for (const value of ["0x10", "1e2", "+5", "5.0", " 5", "5_0"]) {
        const res = await request(app)
          .get(path)
          .query({ ...extra, [name]: value })
          .set("x-apikey", key);
        expect(res.status, `${path} ${name}=${value}`).toBe(400);
        expect(
          res.body.errors?.map((e: { location: string }) => e.location),
          `${path} ${name}=${value}`,
        ).toEqual([`query.${name}`]);
      }
    }
  });

  it("when an integer parameter is plain digits, then it is taken", async () => {
    for (const { path, name, extra } of integerParams) {
      const res = await request(app)
        .get(path)
        .query({ ...extra, [name]: "5" })
        .set("x-apikey", key);
      expect(res.status, `${path} ${name}=5`).toBe(200);
    }
    const page = await request(app).get("/v1/locations").query({ limit: "1" }).set("x-apikey", key);
    expect(page.body.data).toHaveLength(1);
  });
});
