// GET /openapi.json: a valid OpenAPI 3.1 document, generated from the routes, listing every one of
// them with its parameters, scope and error answers, each described and with an example that
// fits its own schema.
import { Validator } from "@seriousme/openapi-schema-validator";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { errorCodes } from "../../src/lib/errors.js";
import { prose } from "../../src/lib/prose.js";
import { resolveRef } from "../../src/openapi/examples.js";
import { documentedPaths } from "../../src/openapi/paths.js";
import { routes } from "../../src/routes.js";
import { createTestApp } from "../helpers/app.js";
import { documentValidator } from "./validate.js";

const { app } = await createTestApp();
const res = await request(app).get("/openapi.json");
const document = res.body;
const { problems } = documentValidator(document);

type Json = Record<string, any>;
const documented = documentedPaths(routes);
const operations = routes.map((route) => {
  const { path, rename } = documented.get(route)!;
  return { route, path, rename, operation: document.paths?.[path]?.[route.method] as Json };
});
const resolve = (value: Json): Json => resolveRef(document, value);

describe("GET /openapi.json", () => {
  it("when fetched without a key, then it is JSON and validates as an OpenAPI 3.1 document", async () => {
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("when compared with the router's routes, then every route is an operation and nothing else is", () => {
    const documented = Object.entries(document.paths as Json).flatMap(([path, item]) =>
      Object.keys(item as Json)
        .filter((m) => ["get", "put", "post", "patch", "delete"].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      operations.map(({ route, path }) => `${route.method.toUpperCase()} ${path}`).sort(),
    );
    for (const { route, operation } of operations) {
      expect(operation.operationId).toBe(route.operationId);
      expect(operation.summary).toBe(route.summary);
    }
    expect(new Set(routes.map((r) => r.operationId)).size).toBe(routes.length);
  });

  it(prose`
    when an operation takes query, path or header parameters, then each is there, described, with an example its schema
    accepts
  `, () => {
    for (const { route, path, rename, operation } of operations) {
      const names = (operation.parameters ?? []).map((p: Json) => `${resolve(p).in}:${resolve(p).name}`).sort();
      const expected = [
        ...Object.keys((route.query as any)?.shape ?? {}).map((n) => `query:${n}`),
        ...Object.keys((route.params as any)?.shape ?? {}).map((n) => `path:${rename[n]}`),
        ...Object.keys(route.headers?.shape ?? {}).map((n) => `header:${n}`),
      ].sort();
      expect(names, route.operationId).toEqual(expected);
      (operation.parameters ?? []).forEach((p: Json, i: number) => {
        const parameter = resolve(p);
        const where = `${route.operationId} ${parameter.in} ${parameter.name}`;
        expect(parameter.description, where).toEqual(expect.any(String));
        expect(parameter.example, where).toBeDefined();
        expect(
          problems(["paths", path, route.method, "parameters", String(i), "schema"], parameter.example),
          where,
        ).toEqual([]);
      });
    }
  });

  it(prose`
    when an operation answers, then every answer is described and every body has an example its schema accepts
  `, () => {
    for (const { route, path, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        const where = `${route.operationId} ${status}`;
        expect(resolve(response).description, where).toEqual(expect.any(String));
        for (const [type, media] of Object.entries((resolve(response).content ?? {}) as Json)) {
          expect(media.example, `${where} ${type}`).toBeDefined();
          if (type.endsWith("json") && media.schema) {
            expect(
              problems(["paths", path, route.method, "responses", status, "content", type, "schema"], media.example),
              `${where} ${type}`,
            ).toEqual([]);
          }
        }
      }
      const body = operation.requestBody?.content?.["application/json"];
      if (body)
        expect(
          problems(["paths", path, route.method, "requestBody", "content", "application/json", "schema"], body.example),
          `${route.operationId} body`,
        ).toEqual([]);
    }
  });

  it(prose`
    when an operation can fail, then each error answer is problem details by the one shared ProblemDetails schema
  `, () => {
    expect(document.components.schemas.ProblemDetails.properties.code.enum.sort()).toEqual(
      Object.keys(errorCodes).sort(),
    );
    for (const { route, operation } of operations) {
      const errors = Object.entries(operation.responses as Json).filter(([status]) => Number(status) >= 400);
      expect(
        errors.map(([s]) => s),
        route.operationId,
      ).toContain("500");
      for (const [status, response] of errors) {
        const media = resolve(response).content?.["application/problem+json"];
        expect(media?.schema, `${route.operationId} ${status}`).toEqual({
          $ref: "#/components/schemas/ProblemDetails",
        });
        expect(media.example.status, `${route.operationId} ${status}`).toBe(Number(status));
      }
      expect(operation.responses["400"], route.operationId).toBeDefined();
    }
  });

  it(prose`
    when an operation needs a key, then its security, scope and key errors are documented; public ones need none
  `, () => {
    expect(document.components.securitySchemes).toEqual({
      ApiKeyHeader: expect.objectContaining({ type: "apiKey", in: "header", name: "x-apikey" }),
      BearerAuth: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
    for (const { route, operation } of operations) {
      expect(operation["x-required-scope"], route.operationId).toBe(route.scope);
      if (route.scope === null) {
        expect(operation.security, route.operationId).toEqual([]);
        continue;
      }
      expect(operation.security, route.operationId).toEqual([{ ApiKeyHeader: [] }, { BearerAuth: [] }]);
      expect(Object.keys(operation.responses), route.operationId).toEqual(expect.arrayContaining(["401", "429"]));
      if (route.scope !== "any") {
        expect(operation.description, route.operationId).toContain(`\`${route.scope}\``);
        expect(operation.responses["403"], route.operationId).toBeDefined();
      }
    }
  });

  it("when read as a guide, then it explains keys, scopes, paging, the sync guarantee, rate limits and errors", () => {
    const guide: string = document.info.description;
    for (const heading of [
      "## Authentication",
      "## Lists and paging",
      "## The sync guarantee",
      "## Rate limits",
      "## Errors",
    ])
      expect(guide).toContain(heading);
    for (const scope of [
      "transactions:read",
      "customers:read",
      "inventory:read",
      "contacts:write",
      "pos:write",
      "reports:read",
    ])
      expect(guide).toContain(`\`${scope}\``);
    expect(guide).toMatch(/complete_through/);
    expect(guide).toMatch(/Retry-After/);
  });

  it("when asked with an unknown parameter, then 400 like any other route", async () => {
    const bad = await request(app).get("/openapi.json").query({ version: "2" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ location: "query.version", code: "unknown_parameter" });
  });
});
