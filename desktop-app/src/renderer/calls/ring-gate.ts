/**
 * Which incoming rings may ring: another member's app can send rings as fast as the relay lets
 * it, each for a new room. Per caller, at most a few rings a minute ring, and after the member
 * declines a caller, that caller's rings stay silent for a while.
 */

/** Rings admitted per caller per minute. */
export const RINGS_PER_MINUTE = 4;
/** How long Decline silences that caller's rings. */
export const DECLINE_SILENCE_MS = 2 * 60_000;

export class RingGate {
  private readonly recent = new Map<string, number[]>();
  private readonly silencedUntil = new Map<string, number>();

  /** Whether a ring from `callerId` may ring now. */
  admit(callerId: string, now: number): boolean {
    if ((this.silencedUntil.get(callerId) ?? 0) > now) return false;
    const times = (this.recent.get(callerId) ?? []).filter((t) => now - t < 60_000);
    if (times.length >= RINGS_PER_MINUTE) {
      this.recent.set(callerId, times);
      return false;
    }
    times.push(now);
    this.recent.set(callerId, times);
    return true;
  }

  /** The member declined `callerId`: their rings stay silent for DECLINE_SILENCE_MS. */
  silence(callerId: string, now: number): void {
    this.silencedUntil.set(callerId, now + DECLINE_SILENCE_MS);
  }
}
