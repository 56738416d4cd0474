// Structured logs (pino). PII and keys never reach them:
// - the request logger records only the method, the path (never the query string, which may carry
//   a phone or an email; a segment that looks like one is masked), the route that answered, the
//   status and timings — no header, no body;
// - errors are logged without their message, which may quote the request's values (a PostgreSQL
//   "Key (email)=(…) already exists", a Prisma validation error printing its arguments): their type,
//   code, constraint/table/column and stack frames say where it broke;
// - redaction is a third wall for anything logged by hand.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type DestinationStream, type Logger, pino } from "pino";
import { pinoHttp } from "pino-http";

// Personal fields by the names the service uses, at the top of a logged object and one level down
// (a whole customer logged as { customer }).
const PERSONAL = [
  "key",
  "apiKey",
  "api_key",
  "authorization",
  "x-apikey",
  "email",
  "phone",
  "first_name",
  "last_name",
  "firstName",
  "lastName",
  "name",
  "address1",
  "address2",
  "birthday",
];
const REDACT = [
  ...PERSONAL,
  ...PERSONAL.map((field) => (/^[a-z_]\w*$/i.test(field) ? `*.${field}` : `*["${field}"]`)),
  "req.headers.authorization",
  'req.headers["x-apikey"]',
  "req.headers.cookie",
];

/** What of an error may be logged: identifiers of where and what, never values. */
const SAFE_ERROR_FIELDS = [
  "code",
  "constraint",
  "table",
  "column",
  "schema",
  "routine",
  "severity",
  "status",
  "statusCode",
] as const;

type ErrorLike = {
  type?: string;
  name?: string;
  stack?: string;
  cause?: unknown;
  constructor?: { name?: string };
} & Record<string, unknown>;

export function safeError(err: unknown): unknown {
  if (typeof err !== "object" || err === null) return { type: typeof err };
  const e = err as ErrorLike;
  const out: Record<string, unknown> = {
    type: e.type ?? (e.constructor?.name && e.constructor.name !== "Object" ? e.constructor.name : e.name) ?? "Error",
  };
  for (const field of SAFE_ERROR_FIELDS) {
    const value = e[field];
    if (typeof value === "string" || typeof value === "number") out[field] = value;
  }
  // Prisma names the fields of a failed constraint (names, not values).
  const target = (e.meta as { target?: unknown } | undefined)?.target;
  if (Array.isArray(target) && target.every((t) => typeof t === "string")) out.target = target;
  if (typeof e.stack === "string") {
    // Only the frames: the first lines of a stack repeat the message (and a cause's message).
    out.stack = e.stack
      .split("\n")
      .filter((line) => /^\s+at /.test(line))
      .join("\n");
  }
  if (e.cause !== undefined && e.cause !== err) out.cause = safeError(e.cause);
  return out;
}

// A path's segments that look like an email or a phone number are masked; ids (UUIDs, POS ids)
// stay, since that is what the API's paths carry.
const PII_SEGMENT = /@|%40|(?:\d[\s().+-]*){7,}/i;
export const maskPath = (path: string) =>
  path
    .split("/")
    .map((segment) => (PII_SEGMENT.test(segment) ? "[masked]" : segment))
    .join("/");

/**
 * The process's log stream: stdout, written asynchronously. Written synchronously, each request's line
 * held the event loop for its write to the pipe (21–106 µs a line when another process reads the pipe,
 * on a busy 2-core machine), asynchronously 7–56 µs: lines are queued and written by libuv's thread
 * pool, the ones that pile up meanwhile in one write. Nothing is lost on the way out: the shutdown ends the
 * stream (endLog) before it exits; on a fatal start-up error pino writes what is queued synchronously at
 * exit. test/foundation/shutdown-logs.test.ts checks it after a SIGTERM, with stdout read and with its
 * reader held still.
 */
export const processLogDestination = (): LogDestination => pino.destination({ dest: 1, sync: false });

/** processLogDestination's stream (pino's sonic-boom). */
export type LogDestination = ReturnType<typeof pino.destination>;

/**
 * Every line written, in order, before the process exits. pino's own flush at exit writes what is queued
 * synchronously but does not wait for a write already handed to libuv's thread pool: that earlier line then reached
 * stdout after the later ones (the suite once saw a request's line after "stopped"). Ending the stream waits for it,
 * then writes the rest; stdout itself stays open.
 */
export const endLog = (destination: LogDestination): Promise<void> =>
  new Promise((resolve) => {
    destination.once("close", () => resolve());
    destination.end();
  });

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: "[redacted]" }, serializers: { err: safeError, error: safeError } },
    destination,
  );
}

const routeOf = (req: IncomingMessage & { route?: { path?: unknown } }) =>
  typeof req.route?.path === "string" ? req.route.path : undefined;

export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    // Our serializers get the raw objects (an error with its cause, not pino's pre-serialized copy).
    wrapSerializers: false,
    genReqId: (req, res) => {
      const incoming = req.headers["x-request-id"];
      const id = typeof incoming === "string" && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader("x-request-id", id);
      return id;
    },
    serializers: {
      req: (req: IncomingMessage & { id?: unknown; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        path: maskPath((req.originalUrl ?? req.url ?? "").split("?")[0]!),
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      err: safeError,
    },
    // The pattern of the route that answered (e.g. /v1/transactions/:id), known only once it has.
    customSuccessObject: (req, _res, value) => ({ ...value, route: routeOf(req) }),
    customErrorObject: (req, _res, _err, value) => ({ ...value, route: routeOf(req) }),
    // A 503 is the service unavailable for a while (database away, overload, timeout): a warning;
    // errors are left for what is broken.
    customLogLevel: (_req, res, err) =>
      res.statusCode === 503
        ? "warn"
        : err || res.statusCode >= 500
          ? "error"
          : res.statusCode >= 400
            ? "warn"
            : "info",
  });
}
