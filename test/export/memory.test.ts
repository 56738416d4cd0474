// The export's memory stays flat on a large range: 200,000 receipts (two lines each, about 1 KB of
// NDJSON a receipt: far more than the bound below) exported from the service running in a process
// of its own, read by a deliberately slow client that also stops reading for seconds, while the
// server's resident memory (VmRSS in /proc/<pid>/status) is sampled. A server that buffered for a
// slow client instead of waiting for it (backpressure) would grow by hundreds of MB. No timing is
// asserted: only memory, and that every record came.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";
import { createTestDb } from "../helpers/db.js";
import { makeKey, makeLocation, makeMerchant } from "../helpers/factories.js";
import { seedReceipts } from "./bulk.js";

const RECEIPTS = 200_000;
/** Growth of the server's resident memory allowed above its level once the export is under way. */
const BOUND_MB = 60;

const db = await createTestDb();
let child: ChildProcess;
let port: number;
let key: string;

/** Resident memory of a process, in MB. */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

beforeAll(async () => {
  const merchant = await makeMerchant(db);
  const location = await makeLocation(db, merchant.id);
  ({ key } = await makeKey(db, merchant.id, { scopes: ["transactions:read"] }));
  for (let done = 0; done < RECEIPTS; done += 50_000) {
    await seedReceipts(db.pool, location, 50_000, {
      start: new Date(Date.UTC(2025, 10, 1) + done * 7_000),
      prefix: `big-${done}`,
    });
  }
  await db.pool.query("ANALYZE transactions; ANALYZE line_items");

  child = spawn(process.execPath, ["--import", "tsx", "test/export/server-process.ts"], {
    env: { ...process.env, DATABASE_URL: db.url },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  port = JSON.parse(String(line)).port;
}, 600_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
});

interface Reading {
  bytes: number;
  records: number;
  /** Lines that were not valid JSON, or records out of change order: a corrupted or shuffled stream. */
  broken: number;
  end: Record<string, unknown> | undefined;
}

/**
 * Reads the export slowly: after `warmBytes`, calls `onWarm` and stops reading for `stallMs`; then
 * pauses `pauseMs` after every `pauseEvery` bytes.
 */
function readSlowly(
  path: string,
  options: { warmBytes: number; onWarm(): void; stallMs: number; pauseEvery: number; pauseMs: number },
): Promise<Reading> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers: { "x-apikey": key } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        const reading: Reading = { bytes: 0, records: 0, broken: 0, end: undefined };
        let partial = "";
        let previous = "";
        let warmed = false;
        let nextPause = options.warmBytes + options.pauseEvery;
        const pauseFor = (ms: number) => {
          res.pause();
          setTimeout(() => res.resume(), ms);
        };
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          reading.bytes += Buffer.byteLength(chunk);
          const lines = (partial + chunk).split("\n");
          partial = lines.pop()!;
          for (const line of lines) {
            try {
              const value = JSON.parse(line) as Record<string, unknown>;
              if (value.export === "end") reading.end = value;
              else if (!("export" in value)) {
                reading.records++;
                if (String(value.updated_at) < previous) reading.broken++;
                previous = String(value.updated_at);
              }
            } catch {
              reading.broken++;
            }
          }
          const bytes = reading.bytes;
          if (!warmed && bytes >= options.warmBytes) {
            warmed = true;
            options.onWarm();
            pauseFor(options.stallMs);
          } else if (warmed && bytes >= nextPause) {
            nextPause += options.pauseEvery;
            pauseFor(options.pauseMs);
          }
        });
        res.on("end", () => resolve(reading));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

describe("GET /v1/export/transactions on a large range", () => {
  it(prose`
    when 200,000 receipts are exported to a slow reader that also stalls, then the server's memory stays flat and every
    record comes
  `, async () => {
    const pid = child.pid!;
    const idle = rssMb(pid);
    let warm = 0;
    let peak = 0;
    const sampler = setInterval(() => {
      if (warm) peak = Math.max(peak, rssMb(pid));
    }, 25);

    const reading = await readSlowly("/v1/export/transactions", {
      warmBytes: 16 << 20,
      onWarm: () => {
        warm = rssMb(pid);
        peak = warm;
      },
      stallMs: 3_000,
      pauseEvery: 4 << 20,
      pauseMs: 40,
    }).finally(() => clearInterval(sampler));

    // Every receipt, each a whole JSON line in change order (buffers reused from batch to batch never mix), then the
    // end line.
    expect(reading.end).toMatchObject({ export: "end", records: RECEIPTS, has_more: false });
    expect(reading.records).toBe(RECEIPTS);
    expect(reading.broken).toBe(0);
    const exportedMb = reading.bytes / (1 << 20);
    console.info(
      `export of ${RECEIPTS} receipts: ${exportedMb.toFixed(0)} MB of NDJSON; server RSS idle ${idle.toFixed(0)} ` +
        `MB, under way ${warm.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`,
    );
    expect(exportedMb).toBeGreaterThan(3 * BOUND_MB);
    expect(peak - warm).toBeLessThan(BOUND_MB);
  }, 600_000);
});
