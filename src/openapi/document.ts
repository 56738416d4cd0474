// The OpenAPI 3.1 document, generated from the route contracts (src/routes.ts): the same zod
// schemas that validate each request become its parameters, body and responses, so the document
// cannot disagree with the service. zod-openapi turns the schemas into JSON Schema (zod 4's own
// converter underneath, input side for requests and output side for responses); this file only
// lays out operations, security and error answers, and fillExamples adds the examples.
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from "zod-openapi";
import { problemDetailsSchema } from "../lib/problem-schema.js";
import { prose } from "../lib/prose.js";
import type { RouteDef } from "../lib/route.js";
import { apiDescription, tagDescriptions } from "./description.js";
import { fillExamples } from "./examples.js";
import { type DocumentedPath, documentedParams, documentedPaths } from "./paths.js";
import { errorStatusesOf, PROBLEM_CONTENT_TYPE, problemDescriptions, problemExample } from "./problems.js";

export type OpenApiDocument = ReturnType<typeof createDocument>;

export interface OpenApiOptions {
  /** The service's version (package.json). */
  version: string;
}

const SECURITY: Record<string, string[]>[] = [{ ApiKeyHeader: [] }, { BearerAuth: [] }];
const requestIdHeader = { "x-request-id": { $ref: "#/components/headers/RequestId" } };
/** Every answer of a route that needs a key carries its key's budget (src/ratelimit). */
const rateLimitHeaders = {
  RateLimit: { $ref: "#/components/headers/RateLimit" },
  "RateLimit-Policy": { $ref: "#/components/headers/RateLimitPolicy" },
};

function scopeText(route: RouteDef): string {
  if (route.scope === null) return "**No key needed.**";
  if (route.scope === "any") return "**Key:** any valid key, whatever its scopes.";
  return `**Scope:** \`${route.scope}\`.`;
}

function successResponse(route: RouteDef, spec: RouteDef["responses"][number]): ZodOpenApiResponseObject {
  const content: NonNullable<ZodOpenApiResponseObject["content"]> = {};
  if (spec.schema) content["application/json"] = { schema: spec.schema };
  for (const type of spec.contentTypes ?? []) {
    content[type] = { schema: { type: "string", description: `The body as ${type}.` } };
  }
  const headers = Object.fromEntries(
    Object.entries(spec.headers ?? {}).map(([name, { description }]) => [
      name,
      { description, schema: { type: "string" as const } },
    ]),
  );
  return {
    description: spec.description,
    headers: { ...requestIdHeader, ...(route.scope === null ? {} : rateLimitHeaders), ...headers } as never,
    ...(Object.keys(content).length ? { content } : {}),
  };
}

function errorResponse(
  route: RouteDef,
  status: number,
  spec: RouteDef["responses"][number] | undefined,
): ZodOpenApiResponseObject {
  const headers: Record<string, unknown> = { ...requestIdHeader, ...(route.scope === null ? {} : rateLimitHeaders) };
  if (status === 401)
    headers["WWW-Authenticate"] = {
      description: 'How to authenticate: `Bearer realm="pos-bridge"`.',
      schema: { type: "string" },
    };
  if (status === 429)
    headers["Retry-After"] = { description: "Seconds to wait before retrying.", schema: { type: "integer" } };
  for (const [name, { description }] of Object.entries(spec?.headers ?? {}))
    headers[name] = { description, schema: { type: "string" } };
  return {
    description: spec?.description ?? problemDescriptions[status] ?? "Problem details (RFC 9457).",
    headers: headers as never,
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: spec?.schema ?? problemDetailsSchema,
        example: spec?.example ?? problemExample(status),
      },
    },
  };
}

/**
 * A body the schema accepts leaving out (a void's) is optional; every other one is required (a 0-byte body is none).
 */
const bodyRequired = (route: RouteDef) => route.body !== undefined && !route.body.safeParse(undefined).success;

function operationOf(route: RouteDef, documented: DocumentedPath): ZodOpenApiOperationObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    if (Number(status) < 400) responses[status] = successResponse(route, spec);
  }
  for (const status of errorStatusesOf(route))
    responses[String(status)] = errorResponse(route, status, route.responses[status]);
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: [route.description, scopeText(route)].filter(Boolean).join("\n\n"),
    tags: route.tags,
    security: route.scope === null ? [] : SECURITY,
    "x-required-scope": route.scope,
    requestParams: {
      query: route.query as never,
      ...(route.params ? { path: documentedParams(route, documented) } : {}),
      ...(route.headers ? { header: route.headers } : {}),
    },
    ...(route.body
      ? { requestBody: { required: bodyRequired(route), content: { "application/json": { schema: route.body } } } }
      : {}),
    responses: responses as ZodOpenApiOperationObject["responses"],
  };
}

export function buildOpenApiDocument(routes: RouteDef[], { version }: OpenApiOptions): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  const documented = documentedPaths(routes);
  for (const route of routes) {
    const where = documented.get(route)!;
    const item = paths[where.path] ?? {};
    paths[where.path] = item;
    if (item[route.method]) throw new Error(`Two routes for ${route.method.toUpperCase()} ${where.path}`);
    item[route.method] = operationOf(route, where);
  }
  const tags = [...new Set(routes.flatMap((r) => r.tags))].map((name) =>
    tagDescriptions[name] ? { name, description: tagDescriptions[name] } : { name },
  );
  const document = createDocument({
    openapi: "3.1.0",
    info: {
      title: "pos-bridge API",
      version,
      summary: "Transactions, customers, inventory and reports of a cannabis POS, for Alpine IQ.",
      description: apiDescription(routes),
    },
    // Relative: the service that serves this document at /openapi.json is the API it describes.
    servers: [{ url: "/", description: "This service (the host that served this document)." }],
    tags,
    components: {
      securitySchemes: {
        ApiKeyHeader: {
          type: "apiKey",
          in: "header",
          name: "x-apikey",
          description: "The API key in AIQ's own header.",
        },
        BearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "The same API key as `Authorization: Bearer <key>`.",
        },
      },
      schemas: { ProblemDetails: problemDetailsSchema },
      headers: {
        RequestId: {
          description: prose`
            This request's id: the \`x-request-id\` sent (letters, digits, \`.\`, \`_\`, \`-\`; at most 128) or a new
            UUID. Also a problem's \`instance\`.
          `,
          schema: { type: "string" },
          example: "0b7c4c1e-5f0a-4a52-9d3c-2f1d8e6f7a10",
        },
        RateLimit: {
          description: prose`
            The key's remaining budget (IETF draft-8): the policy's name, \`r\` requests left, \`t\` seconds until it
            resets. Reports and exports spend a smaller \`heavy\` budget.
          `,
          schema: { type: "string" },
          example: '"default"; r=598; t=42',
        },
        RateLimitPolicy: {
          description: "The budget (IETF draft-8): the policy's name, `q` requests per window of `w` seconds.",
          schema: { type: "string" },
          example: '"default"; q=600; w=60',
        },
      },
    },
    paths,
  });
  fillExamples(document, routes, documented);
  return document;
}
