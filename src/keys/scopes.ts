// What a key may do. AIQ's ingestion gets the three reads and contacts:write; the POS gets
// pos:write; internal reporting tools get reports:read; the metrics scraper (Prometheus) gets
// metrics:read alone.
import { z } from "zod";
import type { WritableLocation } from "../lib/locations.js";
import type { Horizon } from "../lib/sync-feed.js";

export const SCOPES = [
  "transactions:read",
  "customers:read",
  "inventory:read",
  "contacts:write",
  "pos:write",
  "reports:read",
  "metrics:read",
] as const;

export const scopeSchema = z.enum(SCOPES).describe("A permission carried by an API key.");
export type Scope = z.infer<typeof scopeSchema>;

/** The scopes a key for AIQ's integration gets unless told otherwise. */
export const AIQ_SCOPES: Scope[] = ["transactions:read", "customers:read", "inventory:read", "contacts:write"];

export interface AuthContext {
  keyId: string;
  merchantId: string;
  scopes: Scope[];
  /** The locations the key is limited to; null: every location of the merchant. */
  locationIds: string[] | null;
  environment: KeyEnvironment;
  /** For a pos:write route: the stores the key may write to, read with the key (src/keys/authenticate.ts). */
  writableLocations?: WritableLocation[];
  /** True when those stores came with a key kept in the process (keys/key-cache.ts), not read by this request. */
  writableLocationsKept?: boolean;
  /**
   * For a route that serves a change feed (RouteDef.feed): the feed's horizon, read with the key in the same
   * round trip, before the page's statement (lib/sync-feed.ts).
   */
  feedHorizon?: Horizon;
}

export type KeyEnvironment = "live" | "test";
