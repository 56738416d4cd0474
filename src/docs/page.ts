// The interactive docs page: Swagger UI (the npm package swagger-ui-dist) over /openapi.json.
// Everything the page loads comes from this service (no CDN: users' machines and CI may have no
// internet), and its script is a file, not inline, so the page runs under a strict CSP.
import { createRequire } from "node:module";
import path from "node:path";

export const DOCS_ASSET_BASE = "/docs/assets";

/** The folder of swagger-ui-dist's static files (resolved, not imported: its index requires the bundle). */
export const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** The files the page needs, served from swaggerUiDir (the key is the public name). */
export const swaggerAssets: Record<string, string> = {
  "swagger-ui.css": "swagger-ui.css",
  "swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "favicon-32x32.png": "favicon-32x32.png",
  "favicon-16x16.png": "favicon-16x16.png",
};

/** Starts Swagger UI. `validatorUrl: null` keeps it from calling swagger.io's validator. */
export const initScript = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    displayOperationId: true,
    displayRequestDuration: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    filter: true,
    persistAuthorization: false,
    tryItOutEnabled: false
  });
});
`;

export const INIT_SCRIPT_NAME = "docs-init.js";

export const pageHtml =
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>pos-bridge API</title>
    <link rel="stylesheet" href="${DOCS_ASSET_BASE}/swagger-ui.css" />
    <link rel="icon" type="image/png" href="${DOCS_ASSET_BASE}/favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="${DOCS_ASSET_BASE}/favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <noscript>This page needs JavaScript. The API document itself is at <a ` +
  `href="/openapi.json">/openapi.json</a>.</noscript>
    <div id="swagger-ui"></div>
    <script src="${DOCS_ASSET_BASE}/swagger-ui-bundle.js" charset="utf-8"></script>
    <script src="${DOCS_ASSET_BASE}/${INIT_SCRIPT_NAME}" charset="utf-8"></script>
  </body>
</html>
`;

/**
 * The page's own CSP, replacing helmet's default on /docs only: scripts from this origin only (no
 * inline script, no eval); Swagger UI sets inline style attributes and draws icons as data: images;
 * it fetches /openapi.json (and "try it out" calls) from this origin. No upgrade-insecure-requests:
 * a local http://host:port must keep loading its own assets.
 */
export const docsCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");
