/**
 * Where a message goes in time. The sender's clock (`sentAt`) is only a hint: a message pushed
 * live is placed when this app received it; a message read from the mailbox is kept inside the
 * window its relay expiry allows (the relay stored it at most 96 h and at least 48 h before
 * `expiresAt`, PROTOCOL.md §8) and never after now. A message whose claimed time is off by more
 * than the tolerance is marked, so the member sees the sender's clock claim was not used.
 */
import { DAY_MS, EXPIRY_JITTER_MS, RETENTION_MS } from '@circle/protocol';

/** How far a sender's clock may be from what the receiver observed before the message is marked. */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

export type ClockMark = 'future' | 'backdated';

export interface Placement {
  /** The time the message is shown at and ordered by. */
  shownAt: number;
  /** Set when the sender's clock was off by more than the tolerance. */
  clock?: ClockMark;
}

export interface Observed {
  sentAt: number;
  /** The relay's expiry of the blob, when known. */
  expiresAt?: number;
  /** When this app received it, for a live push; undefined for a message read from the mailbox. */
  receivedAt?: number;
}

export function place(m: Observed, now: number): Placement {
  // A live push is shown in the order it arrived: the sender cannot choose its place among others' messages.
  if (m.receivedAt !== undefined) {
    const off = Number.isFinite(m.sentAt) ? m.sentAt - m.receivedAt : Infinity;
    if (off > CLOCK_TOLERANCE_MS) return { shownAt: m.receivedAt, clock: 'future' };
    if (off < -CLOCK_TOLERANCE_MS) return { shownAt: m.receivedAt, clock: 'backdated' };
    return { shownAt: m.receivedAt };
  }
  let lo = -Infinity;
  let hi = now + CLOCK_TOLERANCE_MS;
  if (m.expiresAt !== undefined && Number.isFinite(m.expiresAt) && m.expiresAt > 0) {
    lo = Math.max(lo, m.expiresAt - RETENTION_MS - EXPIRY_JITTER_MS - CLOCK_TOLERANCE_MS);
    hi = Math.min(hi, m.expiresAt - RETENTION_MS + DAY_MS + CLOCK_TOLERANCE_MS);
  }
  const sentAt = Number.isFinite(m.sentAt) ? m.sentAt : hi;
  if (sentAt > hi) return { shownAt: hi, clock: 'future' };
  if (sentAt < lo) return { shownAt: lo, clock: 'backdated' };
  return { shownAt: sentAt };
}
