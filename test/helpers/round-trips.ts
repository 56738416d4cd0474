// The statements node-postgres sends while an action runs. Every statement goes through Client#query
// (pool.query included, BEGIN and COMMIT included) and waits for its answer before the next, so its
// calls are the round trips to PostgreSQL.
import pg from "pg";
import { vi } from "vitest";

/** The statements sent while `action` ran, whitespace collapsed (`width`: cut to that many characters). */
export async function statementsOf(
  action: () => Promise<unknown>,
  width = Number.POSITIVE_INFINITY,
): Promise<string[]> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    sent.push(typeof config === "string" ? config : (config.text ?? String(config)));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  try {
    await action();
  } finally {
    vi.restoreAllMocks();
  }
  return sent.map((text) => text.replace(/\s+/g, " ").trim().slice(0, width));
}
