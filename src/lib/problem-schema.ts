// The zod schema of the problem details that src/lib/problem.ts produces (RFC 9457), so that the
// API document describes every error answer with one shared component, and tests can check real
// error answers against it.
import { z } from "zod";
import { type ErrorCode, errorCodes } from "./errors.js";
import { prose } from "./prose.js";

export const problemIssueSchema = z
  .object({
    location: z
      .string()
      .describe("Where the issue is: `query.limit`, `path.id`, `body.lines.2.quantity`, `header.x-apikey`.")
      .meta({ example: "query.limit" }),
    message: z
      .string()
      .describe("What is wrong, for a person.")
      .meta({ example: "Too big: expected number to be <=1000" }),
    code: z
      .string()
      .optional()
      .describe("A machine-readable kind of issue, e.g. `unknown_parameter`, `invalid_cursor`, `too_big`.")
      .meta({ example: "too_big" }),
  })
  .describe("One issue of a request.");

const codes = Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]];

export const problemDetailsSchema = z
  .looseObject({
    type: z
      .url()
      .describe("A URI naming the kind of problem: https://pos-bridge.dev/problems/<code with dashes>.")
      .meta({ example: "https://pos-bridge.dev/problems/validation-failed" }),
    title: z
      .string()
      .describe("A short summary of the kind of problem, the same for every problem of this code.")
      .meta({ example: "The request is not valid" }),
    status: z.number().int().min(400).max(599).describe("The HTTP status of this answer.").meta({ example: 400 }),
    detail: z
      .string()
      .describe("What went wrong in this request, for a person.")
      .meta({ example: "The request has 1 invalid value." }),
    code: z.enum(codes).describe("The error code: one of a closed set, each with one HTTP status."),
    instance: z
      .string()
      .optional()
      .describe("The request id (also sent as the `x-request-id` header): quote it when reporting a problem.")
      .meta({ example: "0b7c4c1e-5f0a-4a52-9d3c-2f1d8e6f7a10" }),
    errors: z
      .array(problemIssueSchema)
      .optional()
      .describe("Every issue found in the request (validation problems list them all, not only the first)."),
  })
  .describe(prose`
    RFC 9457 problem details, sent as application/problem+json. Some problems add members, e.g. \`required_scope\` on a
    403 or \`pending_migrations\` on a 503.
  `)
  .meta({ id: "ProblemDetails" });

export type ProblemDetails = z.infer<typeof problemDetailsSchema>;
