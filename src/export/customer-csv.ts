// The CSV of a customers export: one row per customer, the record's fields in its order, visit
// figures flattened (visit_count, lifetime_spend…). Free text (names, addresses, email) is guarded
// against spreadsheet formulas by src/lib/csv.ts; ids, times and amounts are written exactly.

import type { CustomerRecord } from "../customers/schemas.js";
import { type CsvColumn, csvColumn } from "../lib/csv.js";

const column = csvColumn<CustomerRecord>;

export const customerCsvColumns: CsvColumn<CustomerRecord>[] = [
  column("id", (c) => c.id),
  column("pos_user", (c) => c.pos_user),
  column("pos_type", (c) => c.pos_type),
  column("email", (c) => c.email, true),
  column("phone", (c) => c.phone),
  column("first_name", (c) => c.first_name, true),
  column("last_name", (c) => c.last_name, true),
  column("address1", (c) => c.address1, true),
  column("address2", (c) => c.address2, true),
  column("city", (c) => c.city, true),
  column("state", (c) => c.state, true),
  column("zip", (c) => c.zip, true),
  column("birthday", (c) => c.birthday),
  column("gender", (c) => c.gender, true),
  column("loyalty_opt_in", (c) => c.loyalty_opt_in),
  column("loyalty_changed_at", (c) => c.loyalty_changed_at),
  column("first_visit_at", (c) => c.visits.first_visit_at),
  column("last_visit_at", (c) => c.visits.last_visit_at),
  column("visit_count", (c) => c.visits.visit_count),
  column("lifetime_spend", (c) => c.visits.lifetime_spend),
  column("deleted_at", (c) => c.deleted_at),
  column("created_at", (c) => c.created_at),
  column("updated_at", (c) => c.updated_at),
];
