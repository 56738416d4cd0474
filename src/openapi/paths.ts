// OpenAPI has one path item per URL: two templates that differ only in their parameter names
// (GET and PATCH /v1/customers/{id}, PUT /v1/customers/{pos_user}) are the same URLs, which the
// linters rightly refuse (Redocly no-identical-paths, Spectral path-params). The routes keep the
// names their handlers read; the document files each route under the template of the first route
// of its URL and renames its path parameters, position by position, in that operation only, where
// each keeps its own schema and description. The URLs clients call do not change.
import { z } from "zod";
import type { RouteDef } from "../lib/route.js";

export interface DocumentedPath {
  /** The path item the route's operation is under. */
  path: string;
  /** The route's path parameter names → their names in the document. */
  rename: Record<string, string>;
}

const urlOf = (path: string) => path.replace(/\{\w+\}/g, "{}");
const parameterNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);

export function documentedPaths(routes: RouteDef[]): Map<RouteDef, DocumentedPath> {
  const templates = new Map<string, string>();
  const documented = new Map<RouteDef, DocumentedPath>();
  for (const route of routes) {
    const url = urlOf(route.path);
    if (!templates.has(url)) templates.set(url, route.path);
    const path = templates.get(url)!;
    const theirs = parameterNames(path);
    documented.set(route, {
      path,
      rename: Object.fromEntries(parameterNames(route.path).map((name, i) => [name, theirs[i]!])),
    });
  }
  return documented;
}

/** The route's path parameters as the document names them (the same schemas, renamed). */
export function documentedParams(route: RouteDef, { rename }: DocumentedPath): z.ZodObject | undefined {
  if (!route.params) return undefined;
  const { shape } = route.params as z.ZodObject;
  return z.strictObject(
    Object.fromEntries(
      Object.entries(shape).map(([ours, schema]) => {
        const theirs = rename[ours] ?? ours;
        if (theirs === ours) return [ours, schema];
        // Renamed: say what the segment holds in this operation, in the words of its own schema.
        return [
          theirs,
          schema.describe(`${schema.description ?? ""} Here \`{${theirs}}\` holds the \`${ours}\`.`.trim()),
        ];
      }),
    ),
  );
}
