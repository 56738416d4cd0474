// A store of the merchant, as GET /v1/locations and GET /v1/whoami serve it.
import { z } from "zod";
import type { Columns } from "../db/sql.js";
import { pagingParams } from "../lib/paging.js";

export const locationListQuery = z.strictObject({ ...pagingParams });
export type LocationListQuery = z.output<typeof locationListQuery>;

/** A write's store, by this service's id or by the POS's (lib/locations.ts resolves it). */
export const storeReference = {
  location_id: z.guid().optional().describe("The store, by this service's id. Send this or location_pos_id."),
  location_pos_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("The store, by the POS's store id. Send this or location_id."),
};

export const locationRecordSchema = z
  .object({
    id: z.guid().describe("Our id of the location (what location_id filters take)."),
    pos_id: z.string().describe("The POS's id of the store."),
    name: z.string().describe("Store name (AIQ `location`)."),
    time_zone: z.string().describe("IANA time zone: business dates are local days here."),
    address1: z.string().nullable().describe("Street address."),
    city: z.string().nullable().describe("City."),
    state: z.string().nullable().describe("State."),
    zip: z.string().nullable().describe("ZIP code."),
    created_at: z.iso.datetime().describe("When this service first stored it (RFC 3339, UTC)."),
    updated_at: z.iso.datetime().describe("When it last changed (RFC 3339, UTC)."),
  })
  .describe("A store of the merchant.");
export type LocationRecord = z.infer<typeof locationRecordSchema>;

/** A location's row as locations/queries.ts reads it. */
export type LocationRow = Columns<
  "locations",
  "id" | "pos_id" | "name" | "time_zone" | "address1" | "city" | "state" | "zip" | "created_at" | "updated_at"
>;

export const toLocationRecord = (row: LocationRow): LocationRecord => ({
  id: row.id,
  pos_id: row.pos_id,
  name: row.name,
  time_zone: row.time_zone,
  address1: row.address1,
  city: row.city,
  state: row.state,
  zip: row.zip,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});
