// Seeded randomness for the seeder. pure-rand (fast-check's generator library, well kept, no
// dependencies) gives xoroshiro128+, which is fast, has a 2^128 period and mutates in place in
// v8 (`next()`), so a draw costs a few ns and no allocation. This wrapper adds the few
// distributions the seeder needs.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

const TWO_POW_32 = 0x1_0000_0000;

/**
 * A 32-bit seed for one independent stream, from the user's seed and labels (merchant index,
 * phase). Deriving a stream per phase (rather than sharing one) keeps e.g. the products the same
 * when only the number of customers changes.
 */
export function deriveSeed(seed: number, ...labels: Array<string | number>): number {
  // FNV-1a over the text, then a murmur3 finaliser so nearby inputs give unrelated seeds.
  let h = 0x811c9dc5;
  const text = `${seed}|${labels.join("|")}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

export class Random {
  private readonly gen: RandomGenerator;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed);
  }

  static derive(seed: number, ...labels: Array<string | number>): Random {
    return new Random(deriveSeed(seed, ...labels));
  }

  /** Uniform unsigned 32-bit integer. */
  uint32(): number {
    return this.gen.next() >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution (plenty for a simulation). */
  float(): number {
    return (this.gen.next() >>> 0) / TWO_POW_32;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.float() * (max - min);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Standard normal (Box-Muller; one of the pair is dropped, simplicity over speed here). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** Fills `out` with random bytes (the random part of a UUIDv7). */
  fillBytes(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      const v = this.gen.next();
      out[i] = v & 0xff;
      if (i + 1 < out.length) out[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < out.length) out[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < out.length) out[i + 3] = (v >>> 24) & 0xff;
    }
  }
}

/**
 * Draws an index with probability proportional to its weight: binary search over the cumulative
 * weights, O(log n) per draw with no allocation (a product catalogue is a few thousand entries).
 */
export class WeightedPicker {
  private readonly cumulative: Float64Array;
  private readonly totalWeight: number;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0)) throw new Error(`weight ${i} is not a non-negative number: ${w}`);
      sum += w;
      this.cumulative[i] = sum;
    }
    if (weights.length > 0 && sum <= 0) throw new Error("all weights are zero");
    this.totalWeight = sum;
  }

  get size(): number {
    return this.cumulative.length;
  }

  pick(rng: Random): number {
    const target = rng.float() * this.totalWeight;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Picks one of a few labelled options by weight (small lists: a linear scan is fastest). */
export function pickWeighted<T>(rng: Random, options: ReadonlyArray<readonly [T, number]>): T {
  let total = 0;
  for (const [, w] of options) total += w;
  let target = rng.float() * total;
  for (const [value, w] of options) {
    target -= w;
    if (target < 0) return value;
  }
  return options[options.length - 1]![0];
}
