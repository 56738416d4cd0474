// The app under test: createApp over this file's own database, quiet logs unless asked for.
import type { DestinationStream } from "pino";
import { createApp } from "../../src/app.js";
import { type Config, parseEnv } from "../../src/config/env.js";
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
