// The app under test: createApp over this file's own database, quiet logs unless asked for.
import { once } from "node:events";
import type { DestinationStream } from "pino";
import { createApp } from "../../src/app.js";
import { type Config, parseEnv } from "../../src/config/env.js";
import { KEY_CACHE_CHANNEL } from "../../src/keys/key-cache.js";
import { createLogger } from "../../src/lib/logger.js";
import { createTestDb, type TestDb } from "./db.js";

export interface TestApp {
  app: ReturnType<typeof createApp>;
  db: TestDb;
  config: Config;
}

export async function createTestApp(
  options: { env?: Record<string, string>; logTo?: DestinationStream } = {},
): Promise<TestApp> {
  const db = await createTestDb();
  const config = parseEnv({
    NODE_ENV: "test",
    LOG_LEVEL: options.logTo ? "info" : "silent",
    DATABASE_URL: db.url,
    ...options.env,
  });
  const logger = createLogger(config.LOG_LEVEL, options.logTo);
  return { app: createApp({ db, config, logger }), db, config };
}

/** Resolves once the app's key cache hears PostgreSQL (keys/key-cache.ts): until then, no key is kept. */
export async function keyCacheListening(db: TestDb): Promise<void> {
  const listener = db.listener(KEY_CACHE_CHANNEL);
  if (!listener.listening) await once(listener, "listening");
}
