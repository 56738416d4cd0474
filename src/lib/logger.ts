// Structured logs (pino). PII and keys never reach them: the request logger records only the
// method, the path (never the query string, which may carry a phone or an email), the status
// and timings; redaction is a second wall for anything logged by hand.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pino, type DestinationStream, type Logger } from "pino";
import { pinoHttp } from "pino-http";

const REDACT = [
  "key", "apiKey", "api_key", "authorization", "x-apikey",
  "email", "phone", "first_name", "last_name", "firstName", "lastName", "name",
  "address1", "address2", "birthday", "*.email", "*.phone", "*.birthday",
  "req.headers.authorization", 'req.headers["x-apikey"]', "req.headers.cookie",
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[redacted]" } }, destination);
}

export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers["x-request-id"];
      const id = typeof incoming === "string" && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader("x-request-id", id);
      return id;
    },
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({
        id: req.id,
        method: req.method,
        path: (req.url ?? "").split("?")[0],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
  });
}
