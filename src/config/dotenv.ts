// `.env` (cp .env.example .env) in the working folder, which npm makes the project's: read into
// process.env by every entry point (server, scripts, bench) before the environment is parsed.
// What the real environment sets wins, even when empty (Node's loadEnvFile never overwrites).
import { existsSync } from "node:fs";

export const DOTENV_FILE = ".env";

/**
 * Loads `file` when it exists; returns whether it did. Not under NODE_ENV=test from the real
 * environment: a test run (vitest sets it, and its children inherit it) must not pick up a
 * developer's settings, such as a DATABASE_URL.
 */
export function loadDotEnv(file: string = DOTENV_FILE): boolean {
  if (process.env.NODE_ENV === "test" || !existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
