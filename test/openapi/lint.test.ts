// The generated document passes the two linters API tools use, with their recommended rules:
// Redocly (@redocly/openapi-core) and Spectral (the `oas` ruleset). Warnings are allowed (an
// info.contact, a license); errors are not. And the headers the operations read are declared.
import { createConfig, lintFromString } from "@redocly/openapi-core";
import spectralCore from "@stoplight/spectral-core";
import { oas } from "@stoplight/spectral-rulesets";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { buildOpenApiDocument } from "../../src/openapi/document.js";
import { routes } from "../../src/routes.js";

const document = buildOpenApiDocument(routes, { version: "0.0.0-test" });
const text = JSON.stringify(document);
type Json = Record<string, any>;

describe("/openapi.json under the linters", () => {
  it("when linted by Redocly with its recommended rules, then no error", async () => {
    const config = await createConfig({ extends: ["recommended"] });
    const problems = await lintFromString({ source: text, absoluteRef: "/openapi.json", config });
    const errors = problems
      .filter((p) => p.severity === "error")
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it("when linted by Spectral with the oas ruleset, then no error", async () => {
    const spectral = new spectralCore.Spectral();
    spectral.setRuleset({ extends: [[oas as never, "recommended"]] });
    const results = await spectral.run(text);
    const errors = results.filter((r) => r.severity === 0).map((r) => `${r.code}: ${r.message} at ${r.path.join("/")}`);
    expect(errors).toEqual([]);
  });

  it(prose`
    when one URL takes several methods, then they are one path item: GET, PATCH and PUT of /v1/customers/{id}, GET and
    PUT of /v1/transactions/{id}
  `, () => {
    const paths = Object.keys(document.paths ?? {});
    const shapes = paths.map((path) => path.replace(/\{\w+\}/g, "{}"));
    expect(new Set(shapes).size).toBe(shapes.length);
    const customer = document.paths?.["/v1/customers/{id}"] as Json;
    expect(
      Object.keys(customer)
        .filter((k) => ["get", "put", "patch"].includes(k))
        .sort(),
    ).toEqual(["get", "patch", "put"]);
    const pathParameter = (operation: Json) => operation.parameters.find((p: Json) => p.in === "path");
    // One name, each method describing what it means there.
    expect(pathParameter(customer.put).description).toMatch(/POS's primary key/);
    expect(pathParameter(customer.get).description).toMatch(/customer's id/);
    const transaction = document.paths?.["/v1/transactions/{id}"] as Json;
    expect(
      Object.keys(transaction)
        .filter((k) => ["get", "put"].includes(k))
        .sort(),
    ).toEqual(["get", "put"]);
    expect(pathParameter(transaction.put).description).not.toBe(pathParameter(transaction.get).description);
  });

  it("when an operation reads Idempotency-Key, If-Match or Accept, then it declares it as a header parameter", () => {
    const operations = Object.values(document.paths ?? {}).flatMap((item) => Object.values(item as Json)) as Json[];
    const headersOf = (operationId: string) =>
      (operations.find((o) => o.operationId === operationId)?.parameters ?? [])
        .filter((p: Json) => p.in === "header")
        .map((p: Json) => p.name)
        .sort();
    expect(headersOf("patchCustomer")).toEqual(["Idempotency-Key", "If-Match"]);
    for (const id of ["voidTransaction", "batchTransactions"]) expect(headersOf(id), id).toEqual(["Idempotency-Key"]);
    for (const id of [
      "getSalesReport",
      "getCustomersReport",
      "getInventoryReport",
      "exportTransactions",
      "exportCustomers",
      "exportInventory",
    ]) {
      expect(headersOf(id), id).toEqual(["Accept"]);
    }
  });
});
