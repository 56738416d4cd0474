// Checking real answers against the API document with a JSON Schema validator (Ajv, draft
// 2020-12: the dialect of OpenAPI 3.1 schemas), never by hand: the status must be documented for
// the operation, the content type listed, and a JSON body must match the documented schema.
import { Ajv2020 } from "ajv/dist/2020.js";
import type { FormatsPlugin } from "ajv-formats";
import * as ajvFormats from "ajv-formats";
import type { Response } from "supertest";
import type { RouteDef } from "../../src/lib/route.js";
import { documentedPaths } from "../../src/openapi/paths.js";
import { routes } from "../../src/routes.js";

// ajv-formats is CommonJS: under NodeNext its plugin is the namespace's `default`.
const addFormats = (ajvFormats as unknown as { default: FormatsPlugin }).default;

type Json = Record<string, any>;

export function documentValidator(document: Json) {
  // strict: false because OpenAPI schema objects carry keywords JSON Schema does not define (example).
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, "openapi.json");
  const escapePointer = (part: string) => part.replaceAll("~", "~0").replaceAll("/", "~1");
  const compiled = new Map<string, ReturnType<typeof ajv.getSchema>>();

  /** The validator of the schema at a JSON pointer inside the document (e.g. a response's media type). */
  function schemaAt(pointer: string[]) {
    const ref = `openapi.json#/${pointer.map(escapePointer).join("/")}`;
    if (!compiled.has(ref)) compiled.set(ref, ajv.getSchema(ref));
    const validate = compiled.get(ref);
    if (!validate) throw new Error(`no schema at ${ref}`);
    return validate;
  }

  /** Problems of a value against the schema at `pointer`; empty when it is valid. */
  function problems(pointer: string[], value: unknown): string[] {
    const validate = schemaAt(pointer);
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message} ${JSON.stringify(e.params)}`);
  }

  /** Everything wrong with a real answer to `route`, as the document describes it. */
  function checkAnswer(route: RouteDef, res: Response): string[] {
    const path = documentedPaths(routes).get(route)?.path ?? route.path;
    const responses = document.paths?.[path]?.[route.method]?.responses;
    if (!responses) return [`${route.method.toUpperCase()} ${route.path} is not in the document`];
    const documented = responses[String(res.status)];
    if (!documented)
      return [
        `status ${res.status} is not documented for ${route.operationId} (documented: ` +
          `${Object.keys(responses).join(", ")})`,
      ];
    const type = String(res.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim();
    if (!documented.content)
      return type && res.text ? [`${res.status} is documented without a body, but one came (${type})`] : [];
    if (!documented.content[type])
      return [
        `content type ${type} is not documented for ${route.operationId} ${res.status} (documented: ` +
          `${Object.keys(documented.content).join(", ")})`,
      ];
    if (!/json$/.test(type) || type === "application/x-ndjson") return [];
    return problems(
      ["paths", path, route.method, "responses", String(res.status), "content", type, "schema"],
      res.body,
    );
  }

  return { problems, checkAnswer };
}
