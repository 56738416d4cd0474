// Browsers on other origins are refused unless CORS_ORIGINS names them: with it unset, no
// Access-Control-* header is ever sent (AIQ and the POS call server to server and need none).
// Keys travel in headers, never cookies, so credentials are not allowed either way.
import cors from "cors";
import type { RequestHandler } from "express";

/** Headers a browser client may read: the rate-limit budget and what it needs to page or retry. */
const EXPOSED = ["RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-Id", "ETag", "Location"];

export function corsFor(origins: string[]): RequestHandler | null {
  if (origins.length === 0) return null;
  return cors({
    origin: origins,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    exposedHeaders: EXPOSED,
    credentials: false,
    maxAge: 600,
  });
}
