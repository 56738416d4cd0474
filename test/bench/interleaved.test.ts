// The bench's turns (bench/stats.ts interleaved): every operation sampled once a turn, in the same turns, so ratios
// between them are taken under the same load; an operation that turns slow in them (a prepared statement whose plan
// changed after its trial runs: bench/pages.ts) leaves the turns, to be sampled apart.
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { interleaved } from "../../bench/stats.js";
import { prose } from "../../src/lib/prose.js";

describe("the bench's turns", () => {
  it(prose`
    when an operation turns slow after its first runs, then it leaves the turns with no samples, runs no more, and the
    others keep every turn's sample
  `, async () => {
    const runs: Record<string, number> = { steady: 0, turns: 0 };
    const ops = {
      steady: async () => {
        runs.steady!++;
      },
      // Fast for its first six runs, then 30 ms: as the floor's generic plan after five custom ones.
      turns: async () => {
        if (++runs.turns! > 6) await sleep(30);
      },
    };
    const times = await interleaved(ops, 10, 3, false, (name, ms) => name === "turns" && ms > 20);
    expect(Object.keys(times)).toEqual(["steady"]);
    expect(times.steady).toHaveLength(10);
    expect(runs).toEqual({ steady: 13, turns: 7 });
  });

  it(prose`
    when no operation leaves, then each has one sample a turn after the warm-up turns
  `, async () => {
    const times = await interleaved({ a: async () => {}, b: async () => {} }, 4, 2, true, () => false);
    expect([times.a!.length, times.b!.length]).toEqual([4, 4]);
  });
});
