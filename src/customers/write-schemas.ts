// The bodies of the customer writes: PUT /v1/customers/{pos_user} (the POS replaces its record of
// the person) and PATCH /v1/customers/{id} (AIQ's override: only the fields sent change).
// Phone and email are plain strings here and checked after the schema (contact-fields.ts), so that
// an invalid one is a 422 naming the field, like every other semantic problem of a write, while a
// wrong type or an unknown field stays a 400.
import { z } from "zod";
import { BIRTHDAY_RANGE, dateInput } from "../lib/instant.js";
import { prose } from "../lib/prose.js";

const text = (max: number, what: string) => z.string().trim().max(max).describe(what);

/** The fields a customer write may carry, each nullable (null: the POS does not know it / clear it). */
export const customerFieldShape = {
  email: text(
    254,
    "Email address; stored lower-cased. An invalid address is a 422 (never silently blanked).",
  ).nullable(),
  phone: text(
    40,
    "Phone number in any common format, e.g. (303) 555-0142 or +1 303 555 0142; US numbers may omit +1. Stored as " +
      "E.164; an invalid number is a 422 (never silently blanked).",
  ).nullable(),
  first_name: text(100, "First name.").nullable(),
  last_name: text(100, "Last name.").nullable(),
  address1: text(200, "Street address, first line.").nullable(),
  address2: text(200, "Street address, second line.").nullable(),
  city: text(100, "City.").nullable(),
  state: text(50, "State or province, e.g. CO.").nullable(),
  zip: text(20, "Postal code.").nullable(),
  birthday: dateInput(BIRTHDAY_RANGE, "Date of birth; stored and answered as YYYY-MM-DD.", {
    aiq: true,
    example: "1985-05-16",
  }).nullable(),
  gender: text(40, "Gender as the POS records it.").nullable(),
};

/** The same fields, each optional. */
const allOptional = <S extends Record<string, z.ZodType>>(shape: S) =>
  Object.fromEntries(Object.entries(shape).map(([name, schema]) => [name, schema.optional()])) as {
    [K in keyof S]: z.ZodOptional<S[K]>;
  };

const posType = z.enum(["in_store", "online"]).describe("Where the customer signed up (AIQ pos_type).");
const loyaltyOptIn = z.boolean().describe(prose`
    Loyalty opt-in (AIQ \`loyalty\`). Only an explicit value changes it: omitted, the current consent stays (a customer
    who opted out is never opted back in by a write that does not say so). When it changes, loyalty_changed_at is set.
  `);

/** PUT /v1/customers/{pos_user}: the whole record as the POS knows it now. */
export const customerPutBody = z
  .strictObject({
    pos_type: posType.default("in_store"),
    ...allOptional(customerFieldShape),
    loyalty_opt_in: loyaltyOptIn.optional(),
  })
  .describe(prose`
    The customer as the POS knows it now: it replaces the POS's fields (an omitted field becomes null), except
    loyalty_opt_in, which changes only when sent. Unknown fields are a 400.
  `);
export type CustomerPutBody = z.output<typeof customerPutBody>;

/**
 * AIQ's names for our fields, accepted by PATCH as aliases: AIQ's contact override posts only the
 * changed fields in its own names (the guide's example: `email` and `mobilephone`), and its member
 * body names the phone `phone_number` and the consent `loyalty`. Every other AIQ name (`email`,
 * `first_name`, `last_name`, `address1`, `address2`, `city`, `state`, `zip`, `gender`) is already ours.
 */
export const AIQ_PATCH_ALIASES = { mobilephone: "phone", phone_number: "phone", loyalty: "loyalty_opt_in" } as const;
export type AiqPatchAlias = keyof typeof AIQ_PATCH_ALIASES;

const aliasOf = (ours: string, where: string) =>
  `AIQ's name for \`${ours}\` (${where}); same rules. Send one of the two names, not both.`;

/** Each alias sent together with its field (or another alias of it) is a 400 naming the alias. */
function oneNamePerField(body: Record<string, unknown>, ctx: z.RefinementCtx) {
  const named = new Map<string, string>();
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const field = AIQ_PATCH_ALIASES[name as AiqPatchAlias] ?? name;
    const first = named.get(field);
    if (first === undefined) named.set(field, name);
    else
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: `${name} and ${first} both name \`${field}\`: send one of them.`,
      });
  }
}

/** PATCH /v1/customers/{id}: any subset of the fields; null clears one. */
export const customerPatchBody = z
  .strictObject({
    pos_type: posType.optional(),
    ...allOptional(customerFieldShape),
    loyalty_opt_in: loyaltyOptIn.optional(),
    mobilephone: customerFieldShape.phone
      .optional()
      .describe(aliasOf("phone", 'its contact override, e.g. "3125555555"')),
    phone_number: customerFieldShape.phone.optional().describe(aliasOf("phone", "its createUpdateMember body")),
    loyalty: loyaltyOptIn.optional().describe(aliasOf("loyalty_opt_in", "its createUpdateMember body")),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: "Send at least one field to change.",
  })
  .superRefine(oneNamePerField)
  .describe(prose`
    Only the fields sent change (AIQ's override semantics); omitted fields keep their values, null clears a field (an
    empty phone or email is a 422: send null to clear). loyalty_opt_in changes only when sent. AIQ's own names are
    accepted for some fields (mobilephone and phone_number for phone, loyalty for loyalty_opt_in). Unknown fields are a
    400.
  `);
export type CustomerPatchBody = z.output<typeof customerPatchBody>;
/** A PATCH body in our names only (AIQ's aliases resolved). */
export type CustomerPatchValues = Omit<CustomerPatchBody, AiqPatchAlias>;

export const customerPutParams = z.strictObject({
  pos_user: z.string().min(1).max(200).describe("The POS's primary key for the person (AIQ pos_user)."),
});

export const customerPatchParams = z.strictObject({
  id: z.guid().describe("This service's id of the customer (`id` in the customer list)."),
});
