// Turning zod issues into the problem's `errors` list: every issue, each with where it is.
import type { z } from "zod";
import { AppError, type ProblemIssue } from "./errors.js";

export type RequestPart = "query" | "path" | "body" | "header";

export function issuesOf(error: z.ZodError, part: RequestPart): ProblemIssue[] {
  return error.issues.flatMap((issue): ProblemIssue[] => {
    const at = [part, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
      // A misspelled parameter is never ignored: name each one.
      return issue.keys.map((key) => ({
        location: [...at, key].join("."),
        message: part === "query" ? `Unknown query parameter '${key}'.` : `Unknown field '${key}'.`,
        code: "unknown_parameter",
      }));
    }
    return [{ location: at.join("."), message: issue.message, code: issue.code }];
  });
}

/** Parses every part first, then throws once with all the issues found. */
export function parseParts<T extends Partial<Record<RequestPart, unknown>>>(
  parts: { [K in keyof T]: { schema: z.ZodType<T[K]> | undefined; value: unknown; part: RequestPart } },
): T {
  const out: Record<string, unknown> = {};
  const issues: ProblemIssue[] = [];
  for (const [name, { schema, value, part }] of Object.entries(parts) as [string, { schema?: z.ZodType; value: unknown; part: RequestPart }][]) {
    if (!schema) {
      out[name] = undefined;
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) out[name] = result.data;
    else issues.push(...issuesOf(result.error, part));
  }
  if (issues.length) {
    throw new AppError("validation_failed", `The request has ${issues.length} invalid ${issues.length === 1 ? "value" : "values"}.`, { issues });
  }
  return out as T;
}
