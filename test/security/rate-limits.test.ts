import request from "supertest";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Scope } from "../../src/keys/scopes.js";
import { prose } from "../../src/lib/prose.js";
import { defineRoute } from "../../src/lib/route.js";
import { routes } from "../../src/routes.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeMerchant } from "../helpers/factories.js";
import { appOver, freshAddress } from "./apps.js";

const db = await createTestDb();

// A heavy route of our own (the report and export routes are heavy too, once they exist).
const heavyRoute = defineRoute({
  method: "get",
  path: "/v1/test-heavy",
  operationId: "testHeavy",
  summary: "A heavy route for the rate-limit tests",
  tags: ["Test"],
  scope: "reports:read",
  rateLimit: "heavy",
  query: z.strictObject({}),
  responses: { 200: { description: "ok", schema: z.object({ ok: z.boolean() }) } },
  handler: () => ({ ok: true }),
});

const env = {
  RATE_LIMIT_PER_MINUTE: "10",
  RATE_LIMIT_HEAVY_PER_MINUTE: "3",
  // Every request in this file says which address it comes from (X-Forwarded-For from loopback),
  // so the failed-authentication tests of one store never block the other's.
  TRUST_PROXY: "loopback",
};

const RATE_LIMIT = /^"(default|heavy|auth-failures)"; r=\d+; t=\d+$/;

describe.each(["memory", "postgres"] as const)("rate limits, %s store", (store) => {
  const app = appOver(db, { env: { ...env, RATE_LIMIT_STORE: store }, extraRoutes: [heavyRoute] });
  const newKey = async (scopes: Scope[] = ["transactions:read", "reports:read"]) =>
    (await makeKey(db, (await makeMerchant(db)).id, { scopes })).key;

  it(prose`
    when a key sends 11 requests within a minute over a limit of 10, then the 11th gets 429 with Retry-After as problem
    details
  `, async () => {
    const key = await newKey();
    const from = freshAddress();
    const answers = [];
    for (let i = 0; i < 11; i++)
      answers.push(await request(app).get("/v1/transactions").set("x-apikey", key).set("x-forwarded-for", from));

    expect(answers.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(answers.slice(0, 10).map((r) => r.headers.ratelimit)).toEqual(
      Array.from({ length: 10 }, (_, i) => expect.stringMatching(new RegExp(`^"default"; r=${9 - i}; t=\\d+$`))),
    );
    const last = answers[10]!;
    expect(last.status).toBe(429);
    expect(last.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(last.body).toMatchObject({ status: 429, code: "rate_limited", policy: "default" });
    const retryAfter = Number(last.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(last.body.retry_after).toBe(retryAfter);
    expect(last.headers.ratelimit).toMatch(/^"default"; r=0; t=\d+$/);
    expect(last.headers["ratelimit-policy"]).toMatch(/^"default"; q=10; w=60; pk=:[A-Za-z0-9+/=]+:$/);
  });

  it(prose`
    when one key has spent its budget, then another key (even of the same merchant) still has all of its own
  `, async () => {
    const merchant = await makeMerchant(db);
    const { key: spent } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
    const { key: other } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
    const from = freshAddress();
    for (let i = 0; i < 10; i++)
      await request(app).get("/v1/transactions").set("x-apikey", spent).set("x-forwarded-for", from);
    expect(
      (await request(app).get("/v1/transactions").set("x-apikey", spent).set("x-forwarded-for", from)).status,
    ).toBe(429);

    const res = await request(app).get("/v1/transactions").set("x-apikey", other).set("x-forwarded-for", from);
    expect(res.status).toBe(200);
    expect(res.headers.ratelimit).toMatch(/^"default"; r=9; t=\d+$/);
  });

  it(prose`
    when a heavy route is called past its lower limit, then 429 names the heavy policy, and the key's ordinary budget is
    untouched
  `, async () => {
    const key = await newKey();
    const from = freshAddress();
    const heavy = [];
    for (let i = 0; i < 4; i++)
      heavy.push(await request(app).get("/v1/test-heavy").set("x-apikey", key).set("x-forwarded-for", from));
    expect(heavy.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(heavy[0]!.headers["ratelimit-policy"]).toMatch(/^"heavy"; q=3; w=60;/);
    expect(heavy[3]!.body.policy).toBe("heavy");
    expect(Number(heavy[3]!.headers["retry-after"])).toBeGreaterThan(0);

    const ordinary = await request(app).get("/v1/transactions").set("x-apikey", key).set("x-forwarded-for", from);
    expect(ordinary.status).toBe(200);
    expect(ordinary.headers.ratelimit).toMatch(/^"default"; r=9;/);
  });

  it("when a keyed route answers 400, 401, 403 or 404, then the answer carries RateLimit headers too", async () => {
    const key = await newKey(["transactions:read"]);
    const from = freshAddress();
    const call = (path: string, withKey = key) =>
      request(app).get(path).set("x-apikey", withKey).set("x-forwarded-for", from);

    const invalid = await call("/v1/transactions?bogus=1");
    const missing = await call("/v1/transactions/00000000-0000-4000-8000-000000000000");
    const forbidden = await call("/v1/test-heavy");
    const unknownKey = await call("/v1/transactions", "pb_test_0000000000_nottherightlengthatall");
    expect([invalid.status, missing.status, forbidden.status, unknownKey.status]).toEqual([400, 404, 403, 401]);
    for (const res of [invalid, missing, forbidden, unknownKey]) {
      expect(res.headers.ratelimit).toMatch(RATE_LIMIT);
      expect(res.headers["ratelimit-policy"]).toBeDefined();
    }
    // A 403 is a real key calling beyond its scopes: it spends that key's budget (the heavy one here).
    expect(forbidden.headers.ratelimit).toMatch(/^"heavy"; r=2;/);
    // A 401 has no key to count against: it shows the address's budget of failed authentications.
    expect(unknownKey.headers.ratelimit).toMatch(/^"auth-failures"; r=29;/);
    expect(unknownKey.headers["ratelimit-policy"]).toBe('"auth-failures"; q=30; w=60');
  });

  it(prose`
    when an address fails authentication 30 times, then its 31st request is refused with 429 — even with a good-looking
    or a valid key — while other addresses are unaffected
  `, async () => {
    const key = await newKey();
    const attacker = freshAddress();
    // Well-formed keys with a valid checksum that exist nowhere, and plain garbage: all count.
    const guesses = await Promise.all(
      Array.from({ length: 3 }, async () => (await makeKey(db, (await makeMerchant(db)).id)).key),
    );
    await db.pool.query("DELETE FROM api_keys WHERE prefix = ANY($1)", [
      guesses.map((g) => g.split("_").slice(0, 3).join("_")),
    ]);
    const failures = [];
    for (let i = 0; i < 30; i++) {
      const guess = i % 2 === 0 ? guesses[i % 3]! : `not-a-key-${i}`;
      failures.push(await request(app).get("/v1/transactions").set("x-apikey", guess).set("x-forwarded-for", attacker));
    }
    expect(failures.every((r) => r.status === 401)).toBe(true);
    expect(failures[29]!.headers.ratelimit).toMatch(/^"auth-failures"; r=0;/);

    const goodLooking = await request(app)
      .get("/v1/transactions")
      .set("x-apikey", guesses[0]!)
      .set("x-forwarded-for", attacker);
    expect(goodLooking.status).toBe(429);
    expect(goodLooking.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(goodLooking.body).toMatchObject({ code: "rate_limited", policy: "auth-failures" });
    expect(Number(goodLooking.headers["retry-after"])).toBeGreaterThan(0);
    // Refused before the key is looked at, or a guesser could tell a hit (200) from a miss (429).
    const valid = await request(app).get("/v1/transactions").set("x-apikey", key).set("x-forwarded-for", attacker);
    expect(valid.status).toBe(429);

    // Routes that need no key stay open; other addresses keep their own budget.
    expect((await request(app).get("/healthz").set("x-forwarded-for", attacker)).status).toBe(200);
    const elsewhere = await request(app)
      .get("/v1/transactions")
      .set("x-apikey", key)
      .set("x-forwarded-for", freshAddress());
    expect(elsewhere.status).toBe(200);
  });

  it("when a key's requests succeed, then they never count as failed authentications of its address", async () => {
    const key = await newKey();
    const from = freshAddress();
    // Parallel, as a poller sends them: 10 successes and then 29 failures leave the address one failure short of the
    // limit.
    const ok = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(app).get("/v1/transactions").set("x-apikey", key).set("x-forwarded-for", from),
      ),
    );
    expect(ok.every((r) => r.status === 200)).toBe(true);
    for (let i = 0; i < 29; i++)
      await request(app).get("/v1/transactions").set("x-apikey", "wrong").set("x-forwarded-for", from);
    const last = await request(app).get("/v1/transactions").set("x-apikey", "wrong").set("x-forwarded-for", from);
    expect(last.status).toBe(401);
    expect(last.headers.ratelimit).toMatch(/^"auth-failures"; r=0;/);
  });

  it("when a route needs no key (health), then it is neither limited nor carries RateLimit headers", async () => {
    const res = await request(app).get("/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.ratelimit).toBeUndefined();
  });

  it(prose`
    when any route that needs no key is called (readiness, the API document, the docs page), then it carries no
    RateLimit headers
  `, async () => {
    const publicPaths = routes
      .filter((r) => r.scope === null && r.method === "get" && !r.path.includes("{"))
      .map((r) => r.path);
    expect(publicPaths).toEqual(expect.arrayContaining(["/healthz", "/readyz", "/openapi.json", "/docs"]));
    for (const path of publicPaths) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.ratelimit, path).toBeUndefined();
    }
  });
});

describe("the client address", () => {
  it(prose`
    when no proxy is trusted, then X-Forwarded-For is ignored: an attacker cannot rotate addresses by header
  `, async () => {
    const app = appOver(db, { env: { RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: "3" } });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await request(app).get("/v1/transactions").set("x-apikey", "wrong").set("x-forwarded-for", freshAddress()))
          .status,
      );
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it(prose`
    when TRUST_PROXY=true is configured, then the service refuses to start (every client could pick its address)
  `, () => {
    expect(() => appOver(db, { env: { TRUST_PROXY: "true" } })).toThrow(/TRUST_PROXY/);
  });
});

describe("the PostgreSQL store", () => {
  it("when many instances count the same key at once, then no hit is lost (one atomic upsert each)", async () => {
    const apps = [1, 2, 3].map(() =>
      appOver(db, { env: { RATE_LIMIT_STORE: "postgres", RATE_LIMIT_PER_MINUTE: "1000" } }),
    );
    const key = await (async () =>
      (await makeKey(db, (await makeMerchant(db)).id, { scopes: ["transactions:read"] })).key)();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(apps[i % 3]!)
          .get("/v1/transactions")
          .set("x-apikey", key),
      ),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const remaining = answers.map((r) => Number(/r=(\d+)/.exec(String(r.headers.ratelimit))![1])).sort((a, b) => a - b);
    // Every hit got its own count: 1000 − 1 … 1000 − 30, each exactly once.
    expect(remaining).toEqual(Array.from({ length: 30 }, (_, i) => 970 + i));
    const prefix = key.split("_").slice(0, 3).join("_");
    const { rows } = await db.pool.query("SELECT hits FROM rate_limit_counters WHERE key = $1", [`default:${prefix}`]);
    expect(rows).toEqual([{ hits: 30 }]);
  });

  it("when a key's window has ended, then its next request starts a new window with a full budget", async () => {
    const app = appOver(db, { env: { RATE_LIMIT_STORE: "postgres", RATE_LIMIT_PER_MINUTE: "2" } });
    const { key } = await makeKey(db, (await makeMerchant(db)).id, { scopes: ["transactions:read"] });
    for (let i = 0; i < 2; i++) await request(app).get("/v1/transactions").set("x-apikey", key);
    expect((await request(app).get("/v1/transactions").set("x-apikey", key)).status).toBe(429);

    // The minute passes (the window's end moved into the past, as time would).
    const prefix = key.split("_").slice(0, 3).join("_");
    await db.pool.query("UPDATE rate_limit_counters SET reset_at = now() - interval '1 second' WHERE key = $1", [
      `default:${prefix}`,
    ]);
    const res = await request(app).get("/v1/transactions").set("x-apikey", key);
    expect(res.status).toBe(200);
    expect(res.headers.ratelimit).toMatch(/^"default"; r=1; t=(59|60)$/);
  });
});

describe("heavy routes", () => {
  it("when a route serves reports or exports, then it is declared heavy (the smaller budget)", () => {
    const heavy = routes.filter((r) => /^\/v1\/(reports|exports)\/|\/export\b/.test(r.path));
    expect(heavy.length).toBeGreaterThan(0);
    for (const route of heavy) expect(route.rateLimit, route.path).toBe("heavy");
  });

  it("when a report is asked for past RATE_LIMIT_HEAVY_PER_MINUTE, then 429 under the heavy policy", async () => {
    const app = appOver(db, { env: { RATE_LIMIT_HEAVY_PER_MINUTE: "2" } });
    const { key } = await makeKey(db, (await makeMerchant(db)).id, { scopes: ["reports:read"] });
    const report = routes.find((r) => r.path.startsWith("/v1/reports/"))!;
    const statuses = [];
    // Even a request that fails validation spends the budget: the limit comes before the work.
    for (let i = 0; i < 3; i++) statuses.push(await request(app).get(report.path).set("x-apikey", key));
    expect(statuses[0]!.headers["ratelimit-policy"]).toMatch(/^"heavy"; q=2;/);
    expect(statuses[2]!.status).toBe(429);
    expect(statuses[2]!.body.policy).toBe("heavy");
  });
});
