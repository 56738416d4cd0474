// The handler of a list served as this service's records or in AIQ's shape (GET /v1/customers,
// GET /v1/inventory): one walk of the list, the format only choosing how each record is rendered.
import type { Config } from "../config/env.js";
import type { Db } from "../db/client.js";
import { type ListedTable, type ListFilters, type Listing, readPage } from "../db/paging.js";
import { tenantOf } from "../db/tenant.js";
import type { AuthContext } from "../keys/scopes.js";
import type { RecordFormat } from "./record-format.js";

interface ListContext<Q> {
  db: Db;
  config: Config;
  auth: AuthContext;
  query: Q;
}

/**
 * A list route's handler: a page of `listing`'s records, each as it is (format=standard) or rendered by
 * `aiq` (format=aiq). Each format's page has its own type (the route's 200 schema is the union of the two).
 */
export const recordsOrAiqPage =
  <F extends ListFilters, Raw, R, A, T extends ListedTable>(listing: Listing<F, Raw, R, T>, aiq: (record: R) => A) =>
  ({ db, config, auth, query }: ListContext<F & { format: RecordFormat; limit: number; cursor?: string }>) => {
    // The format only renders: it is not a filter, so a cursor does not depend on it.
    const { format, limit, cursor, ...rest } = query;
    const filters = rest as unknown as F;
    const tenant = tenantOf(auth);
    const request = { secret: config.CURSOR_SECRET, tenant, filters, limit, cursor, format, horizon: auth.feedHorizon };
    return format === "aiq"
      ? readPage(db, listing, request, aiq)
      : readPage(db, listing, request, (record: R) => record);
  };
