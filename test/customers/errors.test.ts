import request from "supertest";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeCustomer, makeKey, makeMerchant } from "../helpers/factories.js";

const { app, db } = await createTestApp();
const merchant = await makeMerchant(db);
const { key } = await makeKey(db, merchant.id, { scopes: ["customers:read"] });

const list = (query: Record<string, string | number>) =>
  request(app).get("/v1/customers").set("x-apikey", key).query(query);
const locations = (res: request.Response) => res.body.errors.map((e: { location: string }) => e.location).sort();

describe("GET /v1/customers — invalid requests", () => {
  it("when a parameter is unknown or misspelled, then 400 naming it", async () => {
    const res = await list({ updatedFrom: "2026-01-01T00:00:00Z" });
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual([
      { location: "query.updatedFrom", message: "Unknown query parameter 'updatedFrom'.", code: "unknown_parameter" },
    ]);
  });

  it(prose`
    when several things are wrong at once (bad date, from >= to, two axes, bad limit, phone, email, format, unknown
    name), then 400 listing every one
  `, async () => {
    const res = await list({
      updated_from: "yesterday",
      created_from: "2026-02-01T00:00:00Z",
      created_to: "2026-01-01T00:00:00Z",
      limit: 1001,
      phone: "12",
      email: "not-an-email",
      format: "csv",
      extra: "x",
    });
    expect(res.status).toBe(400);
    expect(locations(res)).toEqual(
      [
        "query.created_from",
        "query.created_to",
        "query.email",
        "query.extra",
        "query.format",
        "query.limit",
        "query.phone",
        "query.updated_from",
      ].sort(),
    );
    const messages = res.body.errors.map((e: { message: string }) => e.message).join("\n");
    expect(messages).toMatch(/one time axis/);
    expect(messages).toMatch(/created_to must be later than created_from/);
  });

  it("when both time axes are sent, then 400 saying to use one", async () => {
    const res = await list({ updated_from: "2026-01-01T00:00:00Z", created_to: "2026-02-01T00:00:00Z" });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ location: "query.created_from", message: expect.stringMatching(/one time axis/) }),
    ]);
  });

  it("when from equals to, then 400 (the range [from, to) would be empty)", async () => {
    const res = await list({ updated_from: "2026-01-01T00:00:00Z", updated_to: "2026-01-01T00:00:00Z" });
    expect(res.status).toBe(400);
    expect(locations(res)).toEqual(["query.updated_to"]);
  });

  it("when limit is 0 or not a number, then 400", async () => {
    expect((await list({ limit: 0 })).status).toBe(400);
    expect((await list({ limit: "ten" })).status).toBe(400);
  });

  it("when a cursor is tampered with, then 400 on query.cursor", async () => {
    await makeCustomer(db, merchant.id);
    await makeCustomer(db, merchant.id);
    const page = await list({ limit: 1 });
    const cursor: string = page.body.next_cursor;
    const [data, signature] = cursor.split(".");
    const forged = Buffer.from(
      JSON.stringify({ v: 1, p: ["1970-01-01T00:00:00.000000Z", "00000000-0000-0000-0000-000000000000"], f: "x" }),
    ).toString("base64url");
    for (const bad of [`${forged}.${signature}`, `${data}.${signature!.slice(1)}`, "garbage"]) {
      const res = await list({ limit: 1, cursor: bad });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ location: "query.cursor", code: "invalid_cursor" })]);
    }
  });

  it("when a cursor is sent with other filters, then 400; with another format, then it still continues", async () => {
    const page = await list({ limit: 1, email: "a@example.com" });
    const res = await list({ limit: 1, email: "b@example.com", cursor: page.body.next_cursor });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ location: "query.cursor", code: "invalid_cursor" });

    const all = await list({ limit: 1 });
    const aiq = await list({ limit: 1, format: "aiq", cursor: all.body.next_cursor });
    expect(aiq.status).toBe(200);
  });
});

describe("GET /v1/customers/{id} — invalid requests", () => {
  it("when the id is not a uuid, then 400 on path.id; when a query parameter is sent, then 400 naming it", async () => {
    const bad = await request(app).get("/v1/customers/123").set("x-apikey", key);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].location).toBe("path.id");
    const customer = await makeCustomer(db, merchant.id);
    const extra = await request(app).get(`/v1/customers/${customer.id}?expand=visits`).set("x-apikey", key);
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].location).toBe("query.expand");
  });
});
