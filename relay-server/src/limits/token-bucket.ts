/** Per-member rate limits, kept in memory only (never stored, never logged). */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `n` tokens for `key`; false when the member is over the limit. */
  take(key: string, n = 1): boolean {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    // A clock that steps back (NTP) refills nothing rather than draining the bucket.
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) * this.perMinute) / 60_000);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < n) return false;
    b.tokens -= n;
    return true;
  }
}
