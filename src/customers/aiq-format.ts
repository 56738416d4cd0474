// format=aiq: a customer in AIQ's own push shape, the body of createUpdateMember
// ({ "member": { ... } }), so AIQ's ingestion can post it as is. Our id, change time and tombstone
// sit beside `member`, outside it. Fields we do not know are left out, never sent as null: AIQ's
// update endpoint reads a missing field as "leave it as it is".
import { z } from "zod";
import { prose } from "../lib/prose.js";
import type { CustomerRecord } from "./schemas.js";

export const aiqMemberSchema = z
  .object({
    pos_user: z.string().describe("customers.pos_user."),
    pos_type: z
      .enum(["in-store", "online"])
      .describe("customers.pos_type: in_store → in-store (as in transactions' visits), online → online."),
    email: z.string().optional().describe("customers.email (lower-cased)."),
    first_name: z.string().optional().describe("customers.first_name."),
    last_name: z.string().optional().describe("customers.last_name."),
    address1: z.string().optional().describe("customers.address1."),
    address2: z.string().optional().describe("customers.address2."),
    city: z.string().optional().describe("customers.city."),
    state: z.string().optional().describe("customers.state."),
    zip: z.string().optional().describe("customers.zip."),
    birthday: z.string().optional().describe("customers.birthday as MM/DD/YYYY."),
    phone_number: z
      .string()
      .optional()
      .describe("customers.phone: the 10 national digits for a +1 (North American) number, E.164 otherwise."),
    gender: z.string().optional().describe("customers.gender."),
    loyalty: z.boolean().describe("customers.loyalty_opt_in."),
  })
  .describe("AIQ's createUpdateMember `member`.");

export const aiqCustomerSchema = z
  .object({
    id: z.uuid().describe("This service's id of the customer (not part of AIQ's body)."),
    updated_at: z.string().describe("Change time, RFC 3339 UTC (not part of AIQ's body)."),
    deleted_at: z
      .string()
      .optional()
      .describe("When the customer was deleted (not part of AIQ's body); left out for a live customer."),
    member: aiqMemberSchema.optional().describe(prose`
        The body to post to createUpdateMember; left out for a deleted customer (nothing to post: AIQ's guide has no
        deletion, and posting the old member would bring the person back).
      `),
  })
  .describe(prose`
    A customer as AIQ's createUpdateMember body ({ member }), with our id and times beside it; a deleted customer is
    only { id, updated_at, deleted_at }.
  `);

export type AiqCustomer = z.infer<typeof aiqCustomerSchema>;

/**
 * The one phone rule of the aiq shapes (a member's phone_number and a visit's phone): +1 numbers
 * as AIQ's examples write them (##########, and the override's "mobilephone": "3125555555");
 * others keep their country code (E.164).
 */
export function aiqPhoneNumber(e164: string): string {
  return /^\+1\d{10}$/.test(e164) ? e164.slice(2) : e164;
}

/** aiqPhoneNumber in SQL, for the records PostgreSQL renders (transactions' visits). */
export const aiqPhoneSql = (column: string) =>
  `CASE WHEN ${column} ~ '^\\+1[0-9]{10}$' THEN substr(${column}, 3) ELSE ${column} END`;

/** YYYY-MM-DD → MM/DD/YYYY. */
export function aiqDate(isoDate: string): string {
  const [year, month, day] = isoDate.split("-");
  return `${month}/${day}/${year}`;
}

/** The same object without its null members: AIQ reads a missing field as "unknown, leave it". */
export function withoutNulls<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], null> | undefined } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as {
    [K in keyof T]: Exclude<T[K], null> | undefined;
  };
}

/**
 * A deleted customer is served as { id, updated_at, deleted_at } with no `member`: its contact
 * fields must not reach AIQ again, and AIQ's guide offers no way to delete a persona (a present
 * null would only blank fields, and loyalty: false would not unsubscribe anyone).
 */
export function toAiqCustomer(record: CustomerRecord): AiqCustomer {
  if (record.deleted_at !== null)
    return { id: record.id, updated_at: record.updated_at, deleted_at: record.deleted_at };
  return {
    id: record.id,
    updated_at: record.updated_at,
    member: {
      pos_user: record.pos_user,
      pos_type: record.pos_type === "in_store" ? "in-store" : "online",
      ...withoutNulls({
        email: record.email,
        first_name: record.first_name,
        last_name: record.last_name,
        address1: record.address1,
        address2: record.address2,
        city: record.city,
        state: record.state,
        zip: record.zip,
        birthday: record.birthday && aiqDate(record.birthday),
        phone_number: record.phone && aiqPhoneNumber(record.phone),
        gender: record.gender,
      }),
      loyalty: record.loyalty_opt_in,
    },
  };
}
