// The process's logs are written asynchronously (src/lib/logger.ts processLogDestination): a request's
// line may still be queued when the process is told to stop. The real process (src/server.ts, as
// `npm run dev` runs it) answers a request and is sent SIGTERM at once: its stdout must hold that
// request's line, before the line that says it stopped.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant, makeTransaction } from "../helpers/factories.js";
import { startServiceProcess } from "../helpers/service-process.js";

const db = await createTestDb();

/** A merchant with a sale, a key that reads it, and the service process, logging every request. */
async function serviceWithASale() {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id);
  await makeTransaction(db, location);
  const { key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] });
  const service = await startServiceProcess(db.url, {
    CURSOR_SECRET: randomBytes(24).toString("hex"),
    LOG_LEVEL: "info",
    SHUTDOWN_TIMEOUT_MS: "1000",
    RATE_LIMIT_PER_MINUTE: "100000",
  });
  return { key, service };
}

describe("the request log when the process stops", () => {
  it(prose`
    when SIGTERM arrives right after a page was answered, then the page's request line is on stdout before "stopped"
  `, async () => {
    const { key, service } = await serviceWithASale();
    const { base, child } = service;
    try {
      const requestId = `last-${randomBytes(6).toString("hex")}`;
      const res = await fetch(`${base}/v1/transactions?limit=10`, {
        headers: { "x-apikey": key, "x-request-id": requestId },
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      child.kill("SIGTERM");
      expect(await service.exited, service.output()).toBe(0);

      const stdout = service.stdout();
      const lines = stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg?: string; req?: { id?: string }; res?: { statusCode?: number } });
      const served = lines.findIndex((line) => line.req?.id === requestId);
      expect(served, `no log line of request ${requestId} in:\n${stdout}`).toBeGreaterThanOrEqual(0);
      expect(lines[served]!.res?.statusCode).toBe(200);
      expect(lines.findIndex((line) => line.msg === "stopped")).toBeGreaterThan(served);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await service.exited;
      }
    }
  }, 180_000);

  it(prose`
    when stdout's reader stops reading until the process is told to stop (a full pipe holds the log write in flight),
    then every request's line still comes, in order, before "stopped"
  `, async () => {
    const { key, service } = await serviceWithASale();
    const { base, child } = service;
    const closed = new Promise((resolve) => child.on("close", resolve));
    try {
      // Not read: the pipe (64 KB) and the reader's buffer fill, and the log's write in flight waits on them.
      child.stdout!.pause();
      const ids = Array.from({ length: 400 }, (_, i) => `line-${i}-${randomBytes(4).toString("hex")}`);
      for (const id of ids) {
        const res = await fetch(`${base}/v1/transactions?limit=10`, {
          headers: { "x-apikey": key, "x-request-id": id },
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      child.kill("SIGTERM");
      // The shutdown reaches its last line while the pipe is still full.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      child.stdout!.resume();
      expect(await service.exited, service.output()).toBe(0);
      await closed;
      const lines = service
        .stdout()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg?: string; req?: { id?: string } });
      const served = lines.map((line) => line.req?.id).filter((id) => id?.startsWith("line-"));
      expect(served).toEqual(ids);
      expect(lines.at(-1)?.msg).toBe("stopped");
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await service.exited;
      }
    }
  }, 180_000);
});
