// Phones and emails are stored normalised so that lookups (and AIQ's merging of people on phone
// and email) are exact matches: phones in E.164, emails lower-cased. libphonenumber-js is Google's
// libphonenumber metadata, well kept, and knows which numbers are valid where.
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { z } from "zod";

/** Numbers written without a country code are read as this country's (the US market). */
export const DEFAULT_PHONE_COUNTRY = "US";

/** E.164 of any common way of writing a phone number, or null if it is not a valid number. */
export function normalizePhone(input: string): string | null {
  const parsed = parsePhoneNumberFromString(input.trim(), DEFAULT_PHONE_COUNTRY);
  return parsed?.isValid() ? parsed.number : null;
}

export function normalizeEmail(input: string): string {
  return input.trim().toLowerCase();
}

/** A phone in any common format, validated and normalised to E.164 (invalid: an issue, never blanked). */
export const phoneSchema = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const e164 = normalizePhone(value);
    if (!e164) {
      ctx.addIssue({ code: "custom", message: "Not a valid phone number (US numbers may omit +1)." });
      return z.NEVER;
    }
    return e164;
  })
  .describe("Phone number in any common format, e.g. (303) 555-0142 or +1 303 555 0142; stored and served as E.164.");

export const emailSchema = z
  .string()
  .max(254)
  .transform(normalizeEmail)
  .pipe(z.email({ message: "Not a valid email address." }))
  .describe("Email address; matched and stored lower-cased.");
