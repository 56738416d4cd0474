// An export route (GET /v1/export/{resource}): what the three exports declare alike (the stream's
// description and responses from contract.ts, the Accept header, the heavy budget, the handler),
// around what each says of itself.
import type { z } from "zod";
import type { Scope } from "../keys/scopes.js";
import { acceptHeaders, CSV_CONTENT_TYPE } from "../lib/csv.js";
import { defineRoute } from "../lib/route.js";
import { EXPORT_STREAM_DESCRIPTION, exportResponses } from "./contract.js";
import { NDJSON_CONTENT_TYPE } from "./params.js";
import { type ExportQuery, exportHandler, type PlanOf } from "./stream.js";

export interface ExportRouteSpec<Q extends ExportQuery, Raw, Row, CsvRow> {
  /** The list exported, as the path and the summary name it. */
  resource: "transactions" | "customers" | "inventory";
  operationId: string;
  scope: Scope;
  query: z.ZodType<Q>;
  /** What this export says of itself (its axes, its CSV rows), before the description every export shares. */
  about: string[];
  exampleQuery: Record<string, unknown>;
  /** A body of each format, for the API document. */
  examples: { ndjson: string; csv: string };
  plan: PlanOf<Q, Raw, Row, CsvRow>;
}

export const exportRoute = <Q extends ExportQuery, Raw, Row, CsvRow>(spec: ExportRouteSpec<Q, Raw, Row, CsvRow>) =>
  defineRoute({
    method: "get",
    path: `/v1/export/${spec.resource}`,
    operationId: spec.operationId,
    summary: `Export ${spec.resource} (NDJSON or CSV, streamed): the list's filters, for backfills and BI`,
    description: [...spec.about, EXPORT_STREAM_DESCRIPTION].join("\n\n"),
    tags: ["Exports"],
    scope: spec.scope,
    rateLimit: "heavy",
    query: spec.query,
    headers: acceptHeaders([NDJSON_CONTENT_TYPE, CSV_CONTENT_TYPE]),
    examples: { query: spec.exampleQuery },
    responses: exportResponses(spec.examples),
    handler: exportHandler(spec.plan),
  });
