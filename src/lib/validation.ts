// Turning zod issues into the problem's `errors` list: every issue, each with where it is.
import { z } from "zod";
import { AppError, type ProblemIssue } from "./errors.js";
import { OUT_OF_RANGE } from "./instant.js";

export type RequestPart = "query" | "path" | "body" | "header";

export function issuesOf(error: z.ZodError, part: RequestPart): ProblemIssue[] {
  return error.issues.flatMap((issue): ProblemIssue[] => {
    // Header names are case-insensitive: located in lower case, as Node reads them.
    const at = [part, ...issue.path.map((key) => (part === "header" ? String(key).toLowerCase() : String(key)))];
    if (issue.code === "unrecognized_keys") {
      // A misspelled parameter is never ignored: name each one.
      return issue.keys.map((key) => ({
        location: [...at, key].join("."),
        message: part === "query" ? `Unknown query parameter '${key}'.` : `Unknown field '${key}'.`,
        code: "unknown_parameter",
      }));
    }
    // A custom issue may carry its own code (`invalid_instant`, `out_of_range`) in its params.
    const code = issue.code === "custom" && typeof issue.params?.code === "string" ? issue.params.code : issue.code;
    return [{ location: at.join("."), message: issue.message, code }];
  });
}

/**
 * The error for a request's issues: a 422 when every one is a value of the right kind outside the
 * range the API takes (an instant before 2000, a birthday in the future), otherwise a 400.
 */
export function validationError(issues: ProblemIssue[], detail: string): AppError {
  return new AppError(
    issues.every((issue) => issue.code === OUT_OF_RANGE) ? "unprocessable" : "validation_failed",
    detail,
    { issues },
  );
}

/**
 * A whole number sent as text (a query parameter): decimal digits only, checked by `schema` once
 * read. `Number()` alone (z.coerce) would also take `0x10`, `1e2`, `+5`, `5.0` or ` 5`; anything
 * but digits stays text and fails `schema` as the wrong type. Documented as `schema` (an integer);
 * give `schema` its default (`.default()` outside would be left out of the document).
 */
export const wholeNumber = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === "string" && /^-?\d{1,15}$/.test(value) ? Number(value) : value), schema);

/** At most this many NUL issues are listed: enough to find them, never an answer as large as the body. */
const MAX_NUL_ISSUES = 20;

/**
 * The places of a request part that hold U+0000, each string value or object key that does.
 * PostgreSQL text and jsonb cannot store it, so such a value could never be stored or matched:
 * refused here, named, instead of failing in the database. Walks without recursion (a 1 MB body
 * may nest 500,000 levels deep) and builds a location only for what it reports.
 */
export function nulIssues(value: unknown, part: RequestPart): ProblemIssue[] {
  interface Node {
    value: unknown;
    key: string;
    parent: Node | null;
  }
  const locate = (node: Node | null): string => {
    const keys: string[] = [];
    for (let n = node; n; n = n.parent) keys.push(n.key);
    return keys.reverse().join(".");
  };
  const issue = (at: Node | null) => ({
    location: locate(at),
    message: "Contains a NUL character (U+0000), which cannot be stored.",
    code: "nul_character",
  });
  const issues: ProblemIssue[] = [];
  const stack: Node[] = [{ value, key: part, parent: null }];
  while (stack.length > 0 && issues.length < MAX_NUL_ISSUES) {
    const node = stack.pop()!;
    if (typeof node.value === "string") {
      if (node.value.includes("\u0000")) issues.push(issue(node));
    } else if (Array.isArray(node.value)) {
      for (let i = node.value.length - 1; i >= 0; i--)
        stack.push({ value: node.value[i], key: String(i), parent: node });
    } else if (node.value !== null && typeof node.value === "object") {
      for (const [key, item] of Object.entries(node.value).reverse()) {
        if (key.includes("\u0000")) issues.push(issue({ value: key, key, parent: node }));
        stack.push({ value: item, key, parent: node });
      }
    }
  }
  return issues;
}

/** Parses every part first, then throws once with all the issues found. */
export function parseParts<T extends Partial<Record<RequestPart, unknown>>>(
  parts: { [K in keyof T]: { schema: z.ZodType<T[K]> | undefined; value: unknown; part: RequestPart } },
): T {
  const out: Record<string, unknown> = {};
  const issues: ProblemIssue[] = [];
  for (const [name, { schema, value, part }] of Object.entries(parts) as [
    string,
    { schema?: z.ZodType; value: unknown; part: RequestPart },
  ][]) {
    if (!schema) {
      out[name] = undefined;
      continue;
    }
    const nul = nulIssues(value, part);
    if (nul.length) {
      issues.push(...nul);
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) out[name] = result.data;
    else issues.push(...issuesOf(result.error, part));
  }
  if (issues.length) {
    throw validationError(
      issues,
      `The request has ${issues.length} invalid ${issues.length === 1 ? "value" : "values"}.`,
    );
  }
  return out as T;
}
