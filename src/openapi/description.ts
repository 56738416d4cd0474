// The prose of the API document: what a reader needs before any single operation (keys and
// scopes, paging, the sync guarantee, rate limits, errors, time and money). The scope table is
// built from the routes, so it lists exactly what the service has.
import { SCOPES } from "../keys/scopes.js";
import { prose } from "../lib/prose.js";
import type { RouteDef } from "../lib/route.js";

const scopePurpose: Record<string, string> = {
  "transactions:read": "read receipts (sales, refunds, voids) with their lines, cost and margin",
  "customers:read": "read customer records (AIQ members/personas)",
  "inventory:read": "read products and stock per location",
  "contacts:write": "update customer contact details and loyalty consent (AIQ's write-back)",
  "pos:write": "write receipts, refunds, voids, customers and stock (the POS itself)",
  "reports:read": "sales, inventory and customer reports, as JSON or CSV",
  "metrics:read": "the instance's Prometheus metrics (GET /metrics): counts and timings, no merchant's data",
};

function scopeTable(routes: RouteDef[]): string {
  const rows = SCOPES.map((scope) => {
    const operations = routes.filter((r) => r.scope === scope).map((r) => `\`${r.operationId}\``);
    return `| \`${scope}\` | ${scopePurpose[scope] ?? ""} | ${operations.join(", ") || "—"} |`;
  });
  const anyKey = routes.filter((r) => r.scope === "any").map((r) => `\`${r.operationId}\``);
  const open = routes.filter((r) => r.scope === null).map((r) => `\`${r.operationId}\``);
  return [
    "| scope | allows | operations |",
    "|---|---|---|",
    ...rows,
    ...(anyKey.length ? [`| any valid key | whatever its scopes | ${anyKey.join(", ")} |`] : []),
    ...(open.length ? [`| no key | public | ${open.join(", ")} |`] : []),
  ].join("\n");
}

export function apiDescription(routes: RouteDef[]): string {
  // Markdown, one array entry per line of the document; a line longer than a source line is `prose`.
  return [
    prose`
      The point-of-sale side of Alpine IQ's "Option 1" integration: AIQ (and a merchant's own tools) pull transactions,
      customers and inventory by time range, with stock, cost and margin in the same calls, update contacts, and read
      reports. This document is generated from the same zod schemas that validate every request, so it cannot drift from
      what the service accepts.
    `,
    "",
    "## Authentication",
    prose`
      Send the API key in the \`x-apikey\` header (AIQ's own header) or as \`Authorization: Bearer <key>\`. A key
      belongs to one merchant, carries scopes, and may be limited to some locations.
    `,
    "- No key, or a malformed, unknown, revoked or expired one: **401**.",
    "- A valid key without the operation's scope: **403**, naming the scope in `required_scope`.",
    prose`
      - Records of another merchant, or of a location the key is not limited to, are **404**, exactly as if they did not
      exist. A location-limited key sees only those locations' receipts, stock and figures.
    `,
    "",
    "Each operation names its scope in its description and in `x-required-scope`.",
    "",
    scopeTable(routes),
    "",
    "## Lists and paging",
    prose`
      Lists answer \`{ "data": [...], "has_more": bool, "next_cursor": string | null }\`. Send \`limit\` (1–1000,
      default 100) and the previous page's \`next_cursor\` as \`cursor\`. Paging is keyset paging on a total order
      (time, then id), never offsets, so pages neither skip nor repeat records while data changes. A cursor is opaque,
      signed, and bound to the filters (and key) that made it: sent with other filters it is a 400.
    `,
    "",
    prose`
      Unknown or misspelled query parameters are a **400** naming each one, on every operation: they are never ignored.
      Integers are decimal digits only.
    `,
    "",
    "## The sync guarantee (change feeds)",
    prose`
      Feeds walked by change time (\`updated_from\`, \`updated_to\`, half-open \`[from, to)\`) are lossless: a record
      whose write commits late is still delivered to a poller that already moved past its timestamp. The service only
      serves the part of the time axis that can no longer change, and says how far that is in \`complete_through\`:
      every change before that instant is in this answer or the pages after it. When the feed is caught up, \`has_more\`
      is false but \`next_cursor\` is still given: poll it again later and it resumes exactly after everything served.
      Deletions are served as tombstones (\`deleted_at\` set); voids and refunds move a receipt forward on the
      change-time axis.
    `,
    "",
    prose`
      Business time (\`transacted_from\`, \`transacted_to\`) is for backfills (AIQ pulls 12 months at onboarding). One
      time axis per request.
    `,
    "",
    "## Rate limits",
    prose`
      Requests are limited per key, over a one-minute window: a \`default\` budget for reads and writes, and a separate,
      smaller \`heavy\` one for reports and exports. Every answer to a route that needs a key carries \`RateLimit\` and
      \`RateLimit-Policy\` headers (IETF draft-8: the policy, what is left, and when it resets); over the limit the
      answer is **429** with \`Retry-After\` (seconds): retry after that delay. Repeated failed authentications from one
      address are limited too (429 for a minute). Polling every few minutes stays far below the limits. The routes that
      need no key (health, this document, the docs page) are not limited.
    `,
    "",
    "## Errors",
    prose`
      Every error is RFC 9457 problem details (\`application/problem+json\`, schema \`ProblemDetails\`) with a stable
      \`code\`, and every validation issue listed in \`errors\` with where it is. A request that does not fit the
      contract (wrong types, missing or unknown fields or parameters, malformed JSON, no body where one is required: an
      empty body is none) is a **400**; a well-formed one that cannot be carried out (an invalid phone or email, an
      unknown store, totals that differ) is a **422**. A body that does not arrive within a few seconds of the headers
      is a **408**, and the connection is closed. A 500 tells nothing internal; quote its \`instance\` (also the
      \`x-request-id\` header) when reporting it.
    `,
    "",
    "## Time, money and names",
    prose`
      - JSON names are snake_case. Timestamps are answered as RFC 3339 UTC with microseconds. In, every time takes RFC
      3339 with an offset, AIQ's \`2026-12-04 04:03:53 +0000\` or Unix seconds; an offset is required, microseconds are
      kept (pass a served \`updated_at\` back as \`updated_from\` and the rows before it stay out). Each time and date
      has one range, in its description; outside it, a 422 naming it (\`code: out_of_range\`).
    `,
    prose`
      - Money is an exact decimal string (\`"12.50"\`), never a float, so totals add up to the cent. Quantities are
      decimals too (flower is sold by the gram).
    `,
    "- Business dates (`business_date`, report days) are local days at the location, in its IANA time zone.",
    "",
  ].join("\n");
}

/** Tag descriptions, for the tags the routes use (a tag not listed here still appears, without one). */
export const tagDescriptions: Record<string, string> = {
  Health: "Liveness and readiness, for load balancers. No key.",
  Operations: "Prometheus metrics of the instance, for its operators (scope metrics:read).",
  Documentation: "This document and its interactive page. No key.",
  Whoami: "Who the calling key is.",
  Keys: "Who the calling key is: its merchant, scopes and locations.",
  Exports: "Whole ranges of transactions, customers or inventory in one streamed answer (NDJSON or CSV), resumable.",
  Locations: "Stores, each with its IANA time zone.",
  Transactions:
    "Receipts: sales, refunds (negative quantities, linked to their sale) and voids, with lines, cost and margin.",
  Customers: "Customer records (AIQ members/personas), with visit figures.",
  Contacts: "Updating customer contact details and loyalty consent.",
  Inventory: "Products and stock per location, with cost, price and margin.",
  POS: "Writes from the POS: receipts, refunds, voids, customers and stock. Idempotent.",
  Reports: "Sales, inventory and customer reports, JSON or CSV (`Accept: text/csv` or `format=csv`).",
};
