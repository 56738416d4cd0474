// The database being away, told apart from every other failure. A restart, a crash, a failover or
// a network cut reaches the service in several shapes, none of them a bug of the service:
// - pg: a SQLSTATE on the error (57P01 "terminating connection due to administrator command", class
//   08 connection exceptions, 57P03 "the database system is starting up / shutting down"), a socket
//   error code (ECONNREFUSED while it is down), or a bare Error with only a message ("Connection
//   terminated unexpectedly" when the socket closed under a query, "Client has encountered a
//   connection error and is not queryable");
// - Prisma's pg adapter: the same pg error converted into a PrismaClientKnownRequestError (P1001,
//   P1017, or P2010 with meta.driverAdapterError.cause = { kind, originalCode }), or pg's bare
//   Error passed through.
// src/lib/problem.ts answers both kinds with a 503 and Retry-After; a read whose connection was
// lost (not refused) is first run once more on a fresh connection (readRetriedOnce).

/** Connections closed under a query: the server restarted, crashed, or ended the session. */
const LOST_SQLSTATES = new Set(["57P01", "57P02", "08000", "08003", "08006", "08007", "08P01"]);
/** Connections refused or not possible right now. */
const UNREACHABLE_SQLSTATES = new Set(["57P03", "08001", "08004", "53300"]);
const LOST_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);
const UNREACHABLE_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** pg's own errors for a dead connection carry no code, only these messages. */
const LOST_MESSAGES = [
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
];
const UNREACHABLE_MESSAGES = [/^timeout exceeded when trying to connect/];
/**
 * Prisma: P1017 "Server has closed the connection"; P1001 "Can't reach database server", P1002 timed out, P2024 no pool
 * connection.
 */
const LOST_PRISMA_CODES = new Set(["P1017"]);
const UNREACHABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P2024"]);
/** Kinds of @prisma/adapter-pg's converted errors (meta.driverAdapterError.cause.kind). */
const LOST_ADAPTER_KINDS = new Set(["ConnectionClosed"]);
const UNREACHABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "SocketTimeout", "TooManyConnections"]);

export type DatabaseFault = "lost" | "unreachable";

type ErrorShape = {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; code?: unknown } } };
};

function classifyOne(err: ErrorShape): DatabaseFault | null {
  const code = typeof err.code === "string" ? err.code : undefined;
  if (code !== undefined) {
    if (LOST_SQLSTATES.has(code) || LOST_SOCKET_CODES.has(code) || LOST_PRISMA_CODES.has(code)) return "lost";
    if (UNREACHABLE_SQLSTATES.has(code) || UNREACHABLE_SOCKET_CODES.has(code) || UNREACHABLE_PRISMA_CODES.has(code))
      return "unreachable";
  }
  const adapter = err.meta?.driverAdapterError?.cause;
  if (adapter) {
    const kind = adapter.kind;
    const sqlstate = typeof adapter.originalCode === "string" ? adapter.originalCode : adapter.code;
    if (LOST_ADAPTER_KINDS.has(kind as string) || LOST_SQLSTATES.has(sqlstate as string)) return "lost";
    if (UNREACHABLE_ADAPTER_KINDS.has(kind as string) || UNREACHABLE_SQLSTATES.has(sqlstate as string))
      return "unreachable";
  }
  // Bare messages are trusted only without a code (pg's connection errors have none).
  if (code === undefined && typeof err.message === "string") {
    if (LOST_MESSAGES.some((m) => m.test(err.message as string))) return "lost";
    if (UNREACHABLE_MESSAGES.some((m) => m.test(err.message as string))) return "unreachable";
  }
  return null;
}

/**
 * Whether an error means the database is away: "lost" when a connection was closed under a query,
 * "unreachable" when none can be had; null for anything else. Follows `cause` and an
 * AggregateError's `errors` (a connect to several addresses), a few levels deep.
 */
export function databaseFault(err: unknown, depth = 0): DatabaseFault | null {
  if (typeof err !== "object" || err === null || depth > 4) return null;
  const e = err as ErrorShape;
  const own = classifyOne(e);
  if (own) return own;
  if (e.cause !== undefined && e.cause !== err) {
    const cause = databaseFault(e.cause, depth + 1);
    if (cause) return cause;
  }
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const fault = databaseFault(inner, depth + 1);
      if (fault) return fault;
    }
  }
  return null;
}

/**
 * Runs a read, and once more if its connection was closed under it (a pooled connection the
 * server had closed, a session ended by a restart): pg discards the broken connection, so the
 * second run gets another one; if that is lost too, the error stands (a 503). Only for reads — a write is never run
 * twice blindly (it is
 * refused with a 503, and the client's retry of an idempotent request is safe). `canRetry` says
 * whether running again is still possible (e.g. nothing was sent to the client yet).
 */
export async function readRetriedOnce<T>(read: () => Promise<T>, canRetry: () => boolean = () => true): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (databaseFault(err) !== "lost" || !canRetry()) throw err;
    return read();
  }
}
