/**
 * File chunks that arrived as live pushes. The relay pushes every stored blob to a connected
 * recipient, a file's chunks included (it cannot tell them apart, PROTOCOL.md §6.2). Up to
 * MAX_LIVE_CHUNKS of them are kept here, so opening the file afterwards does not download them
 * a second time. A kept frame is checked like a fetched one when the file is opened: AES-GCM
 * per chunk, then the file digest the sender signed.
 */

/** 512 frames of 64 KiB: 32 MiB at most, the oldest dropped first. */
export const MAX_LIVE_CHUNKS = 512;

export class LiveChunks {
  private readonly frames = new Map<string, Uint8Array>();
  private readonly handling = new Set<Promise<void>>();

  constructor(private readonly maxFrames = MAX_LIVE_CHUNKS) {}

  /** Follows the handling of one live push, so that `settled` waits for it. */
  track(work: Promise<void>): void {
    this.handling.add(work);
    const done = () => void this.handling.delete(work);
    work.then(done, done);
  }

  /** Resolves once every push tracked so far has been handled (kept or not). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.handling);
  }

  keep(id: string, frame: Uint8Array): void {
    if (this.frames.has(id)) return;
    if (this.frames.size >= this.maxFrames) this.frames.delete(this.frames.keys().next().value!);
    this.frames.set(id, frame);
  }

  /** The kept frame for `id`, removed from the cache; undefined when it was never kept or dropped. */
  take(id: string): Uint8Array | undefined {
    const frame = this.frames.get(id);
    this.frames.delete(id);
    return frame;
  }

  get size(): number {
    return this.frames.size;
  }
}
