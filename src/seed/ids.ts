// UUIDv7 ids made in JS so rows can be bulk-copied with their ids (and children can point at
// them) without a round trip. The `uuid` package formats them; the timestamp is the record's own
// time (a sale's transacted_at) and the random bits come from a seeded stream, so the same seed
// gives the same ids and ids still sort by time, like Prisma's uuid(7) defaults.
import { v7 } from "uuid";
import type { Random } from "./random.js";

export class IdGenerator {
  private readonly rng: Random;
  private readonly bytes = new Uint8Array(16);

  constructor(rng: Random) {
    this.rng = rng;
  }

  /** A UUIDv7 whose timestamp is `msecs` (ms since the epoch). */
  at(msecs: number): string {
    this.rng.fillBytes(this.bytes);
    return v7({ msecs, random: this.bytes });
  }
}
