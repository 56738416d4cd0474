// GET /openapi.json: the API document, built from the route list on first request (the list is
// passed as a function because src/routes.ts holds this route too).
import { createRequire } from "node:module";
import { z } from "zod";
import { prose } from "../lib/prose.js";
import type { RouteDef } from "../lib/route.js";
import { defineRoute } from "../lib/route.js";
import { buildOpenApiDocument, type OpenApiDocument } from "./document.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

const documentSchema = z
  .looseObject({
    openapi: z.string().describe("The OpenAPI version: 3.1.0.").meta({ example: "3.1.0" }),
    info: z
      .looseObject({
        title: z.string().describe("The API's name.").meta({ example: "pos-bridge API" }),
        version: z.string().describe("The service's version.").meta({ example: version }),
      })
      .describe("Title, version and the guide (authentication, paging, sync, rate limits, errors)."),
    paths: z
      .record(z.string(), z.unknown())
      .describe("Every operation of the service, by path and method.")
      .meta({ example: { "/healthz": {} } }),
  })
  .describe("An OpenAPI 3.1 document.");

export function openApiRoutes(allRoutes: () => RouteDef[]) {
  let document: OpenApiDocument | undefined;
  return [
    defineRoute({
      method: "get",
      path: "/openapi.json",
      operationId: "getOpenApiDocument",
      summary: "This API document (OpenAPI 3.1)",
      description: prose`
        The OpenAPI 3.1 document of every operation, generated from the zod schemas that validate the requests. Feed it
        to a client generator, or read it at /docs.
      `,
      tags: ["Documentation"],
      scope: null,
      query: z.strictObject({}),
      responses: { 200: { description: "The OpenAPI 3.1 document.", schema: documentSchema } },
      handler: ({ res }) => {
        document ??= buildOpenApiDocument(allRoutes(), { version });
        // Documents change only with a deploy; let browsers and tools revalidate rather than refetch blindly.
        res.setHeader("Cache-Control", "no-cache");
        // The same object, typed as the declared schema: zod-openapi's interfaces have no index
        // signature (hence the spreads), and its `paths` is optional where ours always has them.
        return { ...document, info: { ...document.info }, paths: document.paths ?? {} };
      },
    }),
  ];
}
