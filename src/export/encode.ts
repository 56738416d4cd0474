// A batch's text as bytes, in buffers reused from batch to batch. Why reuse: a fresh Buffer per
// batch (~1 MB) lives outside the JS heap until the garbage collector finds its small handle dead,
// so between collections 20–30 MB of written batches waited to be freed, and the C allocator kept
// much of that memory after; reused buffers keep the export's bytes at a few buffers whatever its size.

import type { TimeId } from "../db/paging.js";

/** Enough for the batch being written, the one waiting, and the one being encoded. */
const MAX_FREE = 3;

export class BatchBuffers {
  private readonly free: Buffer[] = [];

  /** A buffer of at least `size` bytes; sizes rounded up to a power of two, so it fits the next batches too. */
  take(size: number): Buffer {
    const at = this.free.findIndex((buffer) => buffer.length >= size);
    if (at !== -1) return this.free.splice(at, 1)[0]!;
    return Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(Math.max(size, 1 << 16))));
  }

  /**
   * Back for reuse, once the socket has taken every byte of it (or a larger one replaced it). When
   * enough are kept already, the smallest of them gives way to a larger one: a COPY batch grows its
   * buffer step by step (stream.ts), and small ones kept would make every next batch allocate again.
   */
  give(buffer: Buffer): void {
    if (this.free.length < MAX_FREE) {
      this.free.push(buffer);
      return;
    }
    let smallest = 0;
    for (let i = 1; i < this.free.length; i++) if (this.free[i]!.length < this.free[smallest]!.length) smallest = i;
    if (this.free[smallest]!.length < buffer.length) this.free[smallest] = buffer;
  }
}

export interface Encoded {
  /** The bytes to send: a view of `backing`. */
  bytes: Buffer;
  /** Give this back (BatchBuffers.give) once `bytes` are written. */
  backing: Buffer;
}

/** A batch of an export as bytes, and where it ends. */
export interface EncodedBatch extends Encoded {
  count: number;
  /** The position of its last record; null when it has none. */
  last: TimeId | null;
  /** More records follow in the range. */
  more: boolean;
}

/** Lines, each followed by a newline, written straight into one buffer (no joined copy on the JS heap). */
export function encodeLines(buffers: BatchBuffers, lines: string[]): Encoded {
  let size = 0;
  for (const line of lines) size += Buffer.byteLength(line, "utf8") + 1;
  const backing = buffers.take(size);
  let at = 0;
  for (const line of lines) {
    at += backing.write(line, at, "utf8");
    backing[at++] = 0x0a;
  }
  return { bytes: backing.subarray(0, at), backing };
}

export function encodeText(buffers: BatchBuffers, text: string): Encoded {
  const backing = buffers.take(Buffer.byteLength(text, "utf8"));
  const size = backing.write(text, 0, "utf8");
  return { bytes: backing.subarray(0, size), backing };
}
