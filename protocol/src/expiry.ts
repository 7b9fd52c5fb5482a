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

/** CSPRNG words drawn 256 at a time: one getRandomValues call costs about 10 µs in Node, per put. */
const RANDOM_BLOCK = 256;
let randomWords = new Uint32Array(0);
let nextWord = 0;

function secureRandom(): number {
  if (nextWord >= randomWords.length) {
    randomWords = globalThis.crypto.getRandomValues(new Uint32Array(RANDOM_BLOCK));
    nextWord = 0;
  }
  return randomWords[nextWord++]! / 2 ** 32;
}
