// The ETag of a customer and the If-Match check of PATCH (optimistic concurrency).
// The tag is the version of the customer's own fields: its id and its change time (microseconds,
// set by the database on every change), hashed so it is opaque. Visit figures are computed when
// read and are not part of it. Tags are strong, because If-Match compares strongly (RFC 9110
// §13.1.1): a weak tag (W/"…") never matches.
import { createHash } from "node:crypto";

/** The ETag header value of a customer record (GET, PUT and PATCH answers carry it). */
export function customerEtag(record: { id: string; updated_at: string }): string {
  return `"${createHash("sha256").update(`${record.id}@${record.updated_at}`).digest("base64url").slice(0, 27)}"`;
}

/**
 * RFC 9110 If-Match: "*" matches any current record; otherwise one of the listed strong tags must equal the current
 * one.
 */
export function ifMatchAllows(header: string, currentEtag: string): boolean {
  if (header.trim() === "*") return true;
  const tags = header.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return tags.some((tag) => !tag.startsWith("W/") && tag === currentEtag);
}
