/**
 * Replay and reorder detection for opened envelopes. Each envelope carries a random
 * message id and a per-sender counter (microseconds since the epoch, kept strictly
 * increasing by the sender). A repeated id is a replay; a counter below the highest seen
 * from that sender is a reorder (shown in order, not dropped: mailbox sync is unordered).
 *
 * @example
 *   const guard = new ReplayGuard();
 *   guard.check(senderHex, idHex, counter) // 'fresh' | 'duplicate' | 'reordered'
 */
export type ReplayVerdict = 'fresh' | 'duplicate' | 'reordered';

export class ReplayGuard {
  private readonly seen = new Set<string>();
  private readonly highest = new Map<string, bigint>();

  check(sender: string, messageId: string, counter: bigint): ReplayVerdict {
    const key = `${sender}:${messageId}`;
    if (this.seen.has(key)) return 'duplicate';
    this.seen.add(key);
    const top = this.highest.get(sender) ?? -1n;
    if (counter <= top) return 'reordered';
    this.highest.set(sender, counter);
    return 'fresh';
  }
}

/** A sender's counter: microseconds since the epoch, strictly increasing within a process. */
export class SendCounter {
  private last = 0n;
  next(nowMs: number = Date.now()): bigint {
    const candidate = BigInt(Math.floor(nowMs)) * 1000n;
    this.last = candidate > this.last ? candidate : this.last + 1n;
    return this.last;
  }
}
