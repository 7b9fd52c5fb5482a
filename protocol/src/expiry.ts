/**
 * Blob expiry (docs/PROTOCOL.md §8): start of the UTC day of sending + 72 h + a uniform
 * random offset within the next 24 h. The stored value says only "some time in a 24-hour
 * window, three days after some moment of that day": never the exact send time.
 *
 * @example
 *   computeExpiry(Date.UTC(2026, 10, 22, 13, 5)) // somewhere in [Nov 25 00:00, Nov 26 00:00) UTC
 */
export const DAY_MS = 86_400_000;
export const RETENTION_MS = 3 * DAY_MS;
export const EXPIRY_JITTER_MS = DAY_MS;

export const startOfUtcDay = (nowMs: number): number => Math.floor(nowMs / DAY_MS) * DAY_MS;

/** `random` returns a uniform value in [0, 1); injectable for tests. */
export function computeExpiry(nowMs: number, random: () => number = secureRandom): number {
  return startOfUtcDay(nowMs) + RETENTION_MS + Math.floor(random() * EXPIRY_JITTER_MS);
}

/** The window a blob sent at `sentAtMs` expires in: [earliest, latest). */
export function expiryWindow(sentAtMs: number): { earliest: number; latest: number } {
  const earliest = startOfUtcDay(sentAtMs) + RETENTION_MS;
  return { earliest, latest: earliest + EXPIRY_JITTER_MS };
}

function secureRandom(): number {
  const [word] = globalThis.crypto.getRandomValues(new Uint32Array(1));
  return word! / 2 ** 32;
}
