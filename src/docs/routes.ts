// GET /docs (the interactive docs page) and GET /docs/assets/{file} (its scripts, styles and
// icons, served from the swagger-ui-dist package). No key: the document is public.
import type { Response } from "express";
import { z } from "zod";
import { notFound } from "../lib/errors.js";
import { defineRoute } from "../lib/route.js";
import { docsCsp, INIT_SCRIPT_NAME, initScript, pageHtml, swaggerAssets, swaggerUiDir } from "./page.js";

const assetNames = [...Object.keys(swaggerAssets), INIT_SCRIPT_NAME];

export const docsRoutes = [
  defineRoute({
    method: "get",
    path: "/docs",
    operationId: "getDocsPage",
    summary: "The interactive docs page",
    description: "Swagger UI over /openapi.json, with every asset served by this service (it works offline).",
    tags: ["Documentation"],
    scope: null,
    query: z.strictObject({}),
    responses: {
      200: {
        description: "The HTML page.",
        contentTypes: ["text/html"],
        textExamples: { "text/html": pageHtml },
      },
    },
    handler: ({ respond }) =>
      respond.text(200, "text/html", pageHtml, {
        headers: { "Content-Security-Policy": docsCsp, "Cache-Control": "no-cache" },
      }),
  }),
  defineRoute({
    method: "get",
    path: "/docs/assets/{file}",
    operationId: "getDocsAsset",
    summary: "A script, style sheet or icon of the docs page",
    tags: ["Documentation"],
    scope: null,
    query: z.strictObject({}),
    params: z.strictObject({
      file: z
        .string()
        .max(100)
        .describe(`The file's name: ${assetNames.map((n) => `\`${n}\``).join(", ")}.`)
        .meta({ example: "swagger-ui.css" }),
    }),
    responses: {
      200: {
        description: "The file.",
        contentTypes: ["text/javascript", "text/css", "image/png"],
        textExamples: { "text/javascript": initScript, "text/css": ".swagger-ui{…}", "image/png": "(binary)" },
      },
      404: { description: "No docs asset of that name." },
    },
    handler: async ({ params, res, respond }) => {
      res.setHeader("Cache-Control", "public, max-age=3600");
      if (params.file === INIT_SCRIPT_NAME) return respond.text(200, "text/javascript", initScript);
      const file = Object.hasOwn(swaggerAssets, params.file) ? swaggerAssets[params.file] : undefined;
      if (!file) throw notFound("docs asset");
      const sendFile = (out: Response) =>
        new Promise<void>((resolve, reject) => {
          // Relative to its folder: sendFile refuses a dot segment anywhere in an absolute path, so a
          // project under ~/.local/… or a CI cache would answer 404. The name is one of ours, never a dotfile.
          out.sendFile(file, { root: swaggerUiDir }, (error) => (error ? reject(error) : resolve()));
        });
      return respond.stream(200, sendFile);
    },
  }),
];
