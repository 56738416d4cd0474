import request from "supertest";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../helpers/app.js";

const { app, db } = await createTestApp();

describe("the service skeleton", () => {
  it("when a route does not exist, then 404 as application/problem+json", async () => {
    const res = await request(app).get("/v1/nope");
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, code: "not_found", title: "Not found" });
    expect(res.body.type).toMatch(/^https:\/\//);
  });

  it("when asked for liveness, then 200", async () => {
    const res = await request(app).get("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("when every migration is applied, then /readyz answers 200", async () => {
    const res = await request(app).get("/readyz");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ready");
    expect(res.body.migrations).toBeGreaterThan(0);
  });

  it("when a response goes out, then it carries helmet's headers and a request id", async () => {
    const res = await request(app).get("/healthz").set("x-request-id", "abc-123");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-powered-by"]).toBeUndefined();
    expect(res.headers["x-request-id"]).toBe("abc-123");
  });

  it("when the body is not JSON, then 415; when it is malformed JSON, then 400; when too large, then 413", async () => {
    const text = await request(app).post("/v1/anything").set("content-type", "text/plain").send("hello");
    expect(text.status).toBe(415);
    expect(text.headers["content-type"]).toMatch(/problem\+json/);

    const malformed = await request(app).post("/v1/anything").set("content-type", "application/json").send("{ nope");
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0]).toMatchObject({ location: "body", code: "invalid_json" });

    const big = await request(app)
      .post("/v1/anything")
      .set("content-type", "application/json")
      .send(JSON.stringify({ blob: "x".repeat(2 * 1024 * 1024) }));
    expect(big.status).toBe(413);
  });

  it("when a migration is not recorded as applied, then /readyz answers 503 naming it", async () => {
    const { rows } = await db.pool.query(
      "SELECT id, migration_name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1",
    );
    await db.pool.query("UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = $1", [rows[0].id]);
    try {
      const res = await request(app).get("/readyz");
      expect(res.status).toBe(503);
      expect(res.body.pending_migrations).toEqual([rows[0].migration_name]);
    } finally {
      await db.pool.query("UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE id = $1", [rows[0].id]);
    }
  });
});
