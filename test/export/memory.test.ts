// The export's memory stays flat on a large range: 200,000 receipts (two lines each, about 1 KB of
// NDJSON a receipt: far more than the bound below) exported from the service running in a process
// of its own, read by a deliberately slow client that also stops reading for seconds, while the
// server's resident memory (VmRSS in /proc/<pid>/status) is sampled. A server that buffered for a
// slow client instead of waiting for it (backpressure) would grow by hundreds of MB. No timing is
// asserted: only memory, and that every record came. The server runs with `npm start`'s node options
// (package.json), so its garbage collector is sized as the service's is: its young generation must stay
// within YOUNG_GENERATION_MB, the bound that keeps an export's server on Node 24 where it is on Node 20.
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
/**
 * V8's new space (two semi-spaces) at its largest: 2 × `--max-semi-space-size=8`, half Node 20's own default on a
 * 64-bit machine. Node 24's default lets it reach 128 MB, and an export's server then peaked ~100 MB higher; at
 * 2 × 16 the NDJSON export (kept lines, sent as its COPY arrives) still peaked 216–226 MB on Node 24 (README).
 */
const YOUNG_GENERATION_MB = 16;

/** `npm start`'s options to node (package.json), without the modules it loads: how the service's V8 is set up. */
const START_NODE_OPTIONS = (
  JSON.parse(readFileSync("package.json", "utf8")) as { scripts: { start: string } }
).scripts.start
  .split(" ")
  .filter((word) => word.startsWith("--") && word !== "--import");

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

  child = spawn(process.execPath, [...START_NODE_OPTIONS, "--import", "tsx", "test/export/server-process.ts"], {
    env: { ...process.env, DATABASE_URL: db.url },
    stdio: ["pipe", "pipe", "inherit"],
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

/** The largest the server's young generation has been so far, in MB (server-process.ts answers on stdin). */
async function largestNewSpaceMb(): Promise<number> {
  const answer = once(child.stdout!, "data") as Promise<[Buffer]>;
  child.stdin!.write("\n");
  const [line] = await answer;
  return (JSON.parse(String(line)) as { largestNewSpaceMb: number }).largestNewSpaceMb;
}

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
    when 200,000 receipts are exported to a slow reader that also stalls, then the server's memory stays flat, its young
    generation within its bound, and every record comes
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
    const youngMb = await largestNewSpaceMb();
    console.info(
      `export of ${RECEIPTS} receipts (${process.version}): ${exportedMb.toFixed(0)} MB of NDJSON; server RSS idle ` +
        `${idle.toFixed(0)} MB, under way ${warm.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; young generation at ` +
        `most ${youngMb.toFixed(0)} MB`,
    );
    expect(exportedMb).toBeGreaterThan(3 * BOUND_MB);
    expect(peak - warm).toBeLessThan(BOUND_MB);
    expect(youngMb).toBeLessThanOrEqual(YOUNG_GENERATION_MB);
  }, 600_000);
});
