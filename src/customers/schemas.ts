// The customer record as this service serves it (GET /v1/customers, GET /v1/customers/{id}, and
// the write side's answer to PUT/PATCH): AIQ's member fields under our snake_case names, consent
// and when it changed, and visit figures computed from the customer's transactions.
import { z } from "zod";
import { prose } from "../lib/prose.js";

const timestamp = z.string().describe("RFC 3339 UTC timestamp with microseconds.");
const money = z.string().describe("Exact decimal string, e.g. 125.50.");

export const visitsSchema = z
  .object({
    first_visit_at: timestamp.nullable().describe("When the first non-voided sale happened; null if none."),
    last_visit_at: timestamp.nullable().describe("When the latest non-voided sale happened; null if none."),
    visit_count: z.number().int().describe("Number of non-voided sales."),
    lifetime_spend: money.describe("Sum of the totals of non-voided sales minus non-voided refunds, exact decimal."),
  })
  .describe(prose`
    Visit figures, computed when read from the customer's transactions. A key limited to some locations counts only
    their transactions. They do not move the customer on the change-time axis (the transactions feed does).
  `);

export const customerRecordSchema = z
  .object({
    id: z.uuid().describe("This service's id of the customer."),
    pos_user: z.string().describe("The POS's primary key for the person (AIQ pos_user)."),
    pos_type: z.enum(["in_store", "online"]).describe("Where the customer signed up (AIQ pos_type)."),
    email: z.string().nullable().describe("Email, lower-cased."),
    phone: z.string().nullable().describe("Phone in E.164, e.g. +13035550142."),
    first_name: z.string().nullable().describe("First name."),
    last_name: z.string().nullable().describe("Last name."),
    address1: z.string().nullable().describe("Street address, first line."),
    address2: z.string().nullable().describe("Street address, second line."),
    city: z.string().nullable().describe("City."),
    state: z.string().nullable().describe("State or province."),
    zip: z.string().nullable().describe("Postal code."),
    birthday: z.iso.date().nullable().describe("Date of birth, YYYY-MM-DD."),
    gender: z.string().nullable().describe("Gender as the POS records it."),
    loyalty_opt_in: z.boolean().describe("True when the customer opted in to the loyalty program (AIQ loyalty)."),
    loyalty_changed_at: timestamp
      .nullable()
      .describe("When loyalty_opt_in last changed; null if consent was never stated."),
    visits: visitsSchema,
    deleted_at: timestamp.nullable().describe("Set when the customer was deleted: the record is then a tombstone."),
    created_at: timestamp.describe("When the record was created here."),
    updated_at: timestamp.describe("Change time: when the record last changed (set by the database)."),
  })
  .describe("A customer (AIQ persona/member).");

export type CustomerRecord = z.infer<typeof customerRecordSchema>;
