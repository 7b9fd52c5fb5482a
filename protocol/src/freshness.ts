/**
 * Freshness of what a member receives (docs/PROTOCOL.md §11.4), judged by the receiver's clock
 * against the `sentAt` signed inside the envelope. The relay can record frames and blobs and
 * hand them back later; the in-memory replay guard forgets everything when the app restarts,
 * so these bounds are what stop a replay across restarts:
 *
 * - a live signal (a ring, SDP, typing) is acted on only within SIGNAL_MAX_SKEW_MS of its
 *   sentAt, either way: a recorded ring replayed later rings nobody;
 * - a stored message is shown only while the relay could still hold it: the latest expiry a
 *   blob sent at sentAt can have (§8), plus CLOCK_SKEW_MS for members' clocks. A replay within
 *   that window meets its original in the mailbox (a duplicate), or the unsend that hid it,
 *   which was sent later and so expires later.
 *
 * @example
 *   isSignalFresh(sentAtMs, Date.now())   // false for a ring recorded 3 minutes ago
 *   isPastRetention(sentAtMs, Date.now()) // true for a message sent 5 days ago
 */
import { expiryWindow } from './expiry.js';

export const SIGNAL_MAX_SKEW_MS = 120_000;
export const CLOCK_SKEW_MS = 3_600_000;

export function isSignalFresh(sentAtMs: number, nowMs: number): boolean {
  return Math.abs(nowMs - sentAtMs) <= SIGNAL_MAX_SKEW_MS;
}

export function isPastRetention(sentAtMs: number, nowMs: number): boolean {
  return nowMs > expiryWindow(sentAtMs).latest + CLOCK_SKEW_MS;
}
