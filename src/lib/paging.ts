// Keyset pagination, shared by every list: `limit` + an opaque `cursor`, answered as
// { data, has_more, next_cursor }. A cursor holds the position (the sort key of the last row
// served), is signed (a tampered cursor is a 400) and is bound to the merchant, the key's
// locations and the filters that made it (reused with other filters: a 400).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { AuthContext } from "../keys/scopes.js";
import { AppError } from "./errors.js";
import { compactInstantText } from "./instant.js";
import { prose } from "./prose.js";
import { wholeNumber } from "./validation.js";

export const MAX_LIMIT = 1000;

export const pagingParams = {
  limit: wholeNumber(z.number().int().min(1).max(MAX_LIMIT).default(100)).describe(
    `Records per page: 1 to ${MAX_LIMIT}, default 100.`,
  ),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .describe(prose`
      The \`next_cursor\` of the previous page. Opaque; only valid with the same filters (a cursor sent with other
      filters is a 400).
    `),
};

/** A position on a total order: the values of the sort key of the last row served, last one the id. */
export type Position = (string | number)[];

const payloadSchema = z.object({ v: z.literal(1), p: z.array(z.union([z.string(), z.number()])), f: z.string() });

const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64url");

function sign(secret: string, data: string) {
  return createHmac("sha256", secret).update(data).digest().subarray(0, 16);
}

/**
 * What a cursor is bound to: the route, the merchant and locations of the key, and every filter
 * (all query parameters except the cursor and limit themselves).
 */
export function filterFingerprint(
  scope: string,
  auth: Pick<AuthContext, "merchantId" | "locationIds">,
  filters: Record<string, unknown>,
): string {
  const relevant = Object.entries(filters)
    .filter(([name, value]) => name !== "cursor" && name !== "limit" && value !== undefined)
    .map(([name, value]) => [name, value instanceof Date ? value.toISOString() : compactInstantText(value)])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));
  return createHash("sha256")
    .update(JSON.stringify([scope, auth.merchantId, auth.locationIds, relevant]))
    .digest("base64url")
    .slice(0, 22);
}

export function encodeCursor(secret: string, fingerprint: string, position: Position): string {
  const data = b64(JSON.stringify({ v: 1, p: position, f: fingerprint }));
  return `${data}.${b64(sign(secret, data))}`;
}

const invalidCursor = (detail: string) =>
  new AppError("validation_failed", detail, {
    issues: [{ location: "query.cursor", message: detail, code: "invalid_cursor" }],
  });

/** A position of the [axis time as RFC 3339 text, id] kind every feed and export signs; 400 otherwise. */
export function timeIdPosition(position: Position): [string, string] {
  if (position.length !== 2 || typeof position[0] !== "string" || typeof position[1] !== "string") {
    throw invalidCursor("The cursor is malformed.");
  }
  return [position[0], position[1]];
}

/** The position a cursor holds; 400 if it was tampered with or made for other filters. */
export function decodeCursor(secret: string, fingerprint: string, cursor: string): Position {
  const [data, signature, extra] = cursor.split(".");
  if (!data || !signature || extra !== undefined) throw invalidCursor("The cursor is malformed.");
  const expected = sign(secret, data);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw invalidCursor("The cursor is not one this service made (it was altered or truncated).");
  }
  const payload = payloadSchema.safeParse(JSON.parse(Buffer.from(data, "base64url").toString("utf8")));
  if (!payload.success) throw invalidCursor("The cursor is malformed.");
  if (payload.data.f !== fingerprint) {
    throw invalidCursor(
      "The cursor was made for other filters (or another key); send it with the same query parameters.",
    );
  }
  return payload.data.p;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/**
 * Given up to limit + 1 rows (fetch one more than asked, to know whether more follow), the page
 * and the cursor that continues after its last row.
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  positionOf: (row: R) => Position,
  render: (row: R) => T,
  cursorFor: (position: Position) => string,
): Page<T> {
  const has_more = rows.length > limit;
  const pageRows = has_more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(render),
    has_more,
    next_cursor: has_more && last !== undefined ? cursorFor(positionOf(last)) : null,
  };
}

/** The JSON shape of a page, for route response schemas. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item).describe("The records of this page, in the list's order."),
    has_more: z.boolean().describe("True when more records follow: fetch them with `next_cursor`."),
    next_cursor: z
      .string()
      .nullable()
      .describe("Send as `cursor` (with the same filters) for the next page; null when there is none."),
  });
}

const COMPLETE_THROUGH = "every change before this instant is in this answer or the pages that follow it.";

/**
 * A page of a list walked by change time (a feed, lib/sync-feed.ts): `complete_through` is its horizon.
 * With `otherAxis`, the list can also be walked by another time axis, where it is null.
 */
export function feedPageSchema<T extends z.ZodType>(item: T, otherAxis?: { params: string; walk: string }) {
  const completeThrough = z.string();
  return pageSchema(item).extend({
    complete_through: otherAxis
      ? completeThrough.nullable().describe(prose`
            Change feed only (no ${otherAxis.params} range): ${COMPLETE_THROUGH} Null when walking by ${otherAxis.walk}.
          `)
      : completeThrough.describe(`E${COMPLETE_THROUGH.slice(1)}`),
  });
}
