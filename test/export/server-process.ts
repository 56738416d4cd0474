// The service in a process of its own, for measuring its memory from outside (/proc/<pid>/status)
// while a test reads an export from it: createApp over DATABASE_URL, on a free port, which it
// prints as one JSON line ({"port":…}) once listening. Each line read on stdin is answered with one
// JSON line on stdout: the largest size V8's young generation (new space) has had so far, in MB.
// Stops on SIGTERM.
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import v8 from "node:v8";
import { createApp } from "../../src/app.js";
import { parseEnv } from "../../src/config/env.js";
import { createDb } from "../../src/db/client.js";
import { createLogger } from "../../src/lib/logger.js";

const config = parseEnv({
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  DATABASE_URL: process.env.DATABASE_URL,
  RATE_LIMIT_HEAVY_PER_MINUTE: "1000",
});
const db = createDb({
  url: config.DATABASE_URL!,
  poolMax: config.DB_POOL_MAX,
  statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
});
const server = createApp({ db, config, logger: createLogger("silent") }).listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

const newSpaceMb = () =>
  v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")!.space_size / 2 ** 20;
let largestNewSpaceMb = newSpaceMb();
// V8 grows the new space at a scavenge and shrinks it when idle: sampled often enough to see it at its largest.
setInterval(() => {
  largestNewSpaceMb = Math.max(largestNewSpaceMb, newSpaceMb());
}, 10).unref();
createInterface({ input: process.stdin }).on("line", () => {
  largestNewSpaceMb = Math.max(largestNewSpaceMb, newSpaceMb());
  process.stdout.write(`${JSON.stringify({ largestNewSpaceMb })}\n`);
});

process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close();
  void db.close().finally(() => process.exit(0));
});
