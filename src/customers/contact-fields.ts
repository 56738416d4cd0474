// Phone and email of a customer write, normalised (E.164, lower case) or reported: an invalid
// value is an issue naming its field, never silently blanked (AIQ's own endpoints blank invalid
// phones; a POS integration should learn about the bad data instead).
import { z } from "zod";
import { normalizeEmail, normalizePhone } from "../lib/contact.js";
import type { ProblemIssue } from "../lib/errors.js";

const emailFormat = z.email();

export interface ContactFields {
  email?: string | null;
  phone?: string | null;
}

/**
 * The fields with phone and email normalised (an empty string is treated as null by the caller first) (undefined and
 * null pass through), and the issues of
 * the invalid ones, located under `at` (e.g. "body" or "body.customer").
 */
export function normalizeContactFields<T extends ContactFields>(
  fields: T,
  at: string,
): { fields: T; issues: ProblemIssue[] } {
  const issues: ProblemIssue[] = [];
  const out = { ...fields };
  if (typeof fields.phone === "string") {
    const e164 = normalizePhone(fields.phone);
    if (e164 === null) {
      issues.push({
        location: `${at}.phone`,
        message: "Not a valid phone number (US numbers may omit +1); send null to clear it.",
        code: "invalid_phone",
      });
    } else out.phone = e164;
  }
  if (typeof fields.email === "string") {
    const email = normalizeEmail(fields.email);
    if (!emailFormat.safeParse(email).success) {
      issues.push({
        location: `${at}.email`,
        message: "Not a valid email address; send null to clear it.",
        code: "invalid_email",
      });
    } else out.email = email;
  }
  return { fields: out, issues };
}
