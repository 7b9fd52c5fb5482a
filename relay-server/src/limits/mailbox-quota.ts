/**
 * Per-mailbox stored-bytes quota without a COUNT on every put: the count is taken from the
 * database once, then kept up to date in memory, and re-read after a few seconds or whenever
 * a mailbox nears its limit, so the limit stays exact where it matters (sweeps, deletes and
 * other relay nodes change the true figure in between).
 */
import type { BlobStore } from '../store/index.js';

const FRESH_MS = 5000;
const EXACT_BELOW = 0.9;

export class MailboxQuota {
  private readonly used = new Map<string, { bytes: number; at: number }>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly limitBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reserves `bytes` for `mailbox`; false when that would exceed the quota. */
  async admit(mailbox: string, bytes: number): Promise<boolean> {
    let entry = this.used.get(mailbox);
    const stale = !entry || this.now() - entry.at > FRESH_MS || entry.bytes + bytes > this.limitBytes * EXACT_BELOW;
    if (stale) {
      entry = { bytes: await this.blobs.storedBytes(mailbox), at: this.now() };
      this.used.set(mailbox, entry);
    }
    if (entry!.bytes + bytes > this.limitBytes) return false;
    entry!.bytes += bytes;
    return true;
  }

  /** The mailbox was emptied at once (a device removed): count it again when next asked. */
  forget(mailbox: string): void {
    this.used.delete(mailbox);
  }

  release(mailbox: string, bytes: number): void {
    const entry = this.used.get(mailbox);
    if (entry) entry.bytes = Math.max(0, entry.bytes - bytes);
  }
}
