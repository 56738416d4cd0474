// Figures from samples. The machines are shared and noisy, so the bench reports medians with their
// spread, and ratios of two medians taken in the same run (interleaved, so both sides see the same
// load), never a single timing.

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  /** p25 and p75: the spread around the median. */
  p25: number;
  p75: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p25: percentile(sorted, 25),
    p75: percentile(sorted, 75),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

/** Milliseconds of one call. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Times several operations in turns (a, b, c, a, b, c, ...) after `warmup` untimed turns, so a
 * change of load on the machine hits every one of them alike.
 */
export async function interleaved(
  ops: Record<string, () => Promise<unknown>>,
  samples: number,
  warmup = 3,
  alternate = false,
  /** An operation whose sample this answers true for leaves the turns: it has no samples in the result. */
  leaves?: (name: string, ms: number) => boolean,
): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(ops).map((name) => [name, []]));
  const left = new Set<string>();
  for (let i = 0; i < warmup + samples; i++) {
    // alternate: every other turn in reverse order, so that no operation always runs right after
    // another one's server has answered and may still be busy (logging, metrics).
    const turn = Object.entries(ops).filter(([name]) => !left.has(name));
    if (alternate && i % 2) turn.reverse();
    for (const [name, op] of turn) {
      const ms = await timed(op);
      if (leaves?.(name, ms)) left.add(name);
      else if (i >= warmup) times[name]!.push(ms);
    }
  }
  for (const name of left) delete times[name];
  return times;
}

/** Load average over 1, 5 and 15 minutes, to report how busy the machine was. */
export async function loadAverage(): Promise<number[]> {
  const { loadavg } = await import("node:os");
  return loadavg().map((v) => Math.round(v * 100) / 100);
}
