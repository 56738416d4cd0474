// The one error type of the service. Handlers throw it; src/lib/problem.ts turns it into RFC 9457
// problem details. The closed set of codes and their statuses live here, in one table.

export const errorCodes = {
  bad_request: { status: 400, title: "Bad request" },
  validation_failed: { status: 400, title: "The request is not valid" },
  unauthenticated: { status: 401, title: "A valid API key is required" },
  forbidden: { status: 403, title: "The API key does not allow this" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  not_acceptable: { status: 406, title: "Not acceptable" },
  request_timeout: { status: 408, title: "Request timeout" },
  conflict: { status: 409, title: "Conflict" },
  precondition_failed: { status: 412, title: "Precondition failed" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  unprocessable: { status: 422, title: "Unprocessable content" },
  precondition_required: { status: 428, title: "Precondition required" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal server error" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** One issue of a request, as listed in a problem's `errors`. */
export interface ProblemIssue {
  /** Where: `query.limit`, `body.lines[2].quantity`, `header.x-apikey`, `path.id`. */
  location: string;
  message: string;
  code?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues: ProblemIssue[];
  /** Extra members of the problem document (RFC 9457 extensions). */
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { issues?: ProblemIssue[]; extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? errorCodes[code].title);
    this.name = "AppError";
    this.code = code;
    this.issues = options.issues ?? [];
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}

export const notFound = (what = "resource") => new AppError("not_found", `No such ${what}.`);
