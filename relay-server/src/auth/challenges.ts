/** Single-use relay-auth challenges, issued over HTTP and consumed by the Socket.IO handshake. */
import { CHALLENGE_BYTES, nativeSuite, toBase64Url } from '@circle/protocol';

const MAX_OUTSTANDING = 10_000;

export class ChallengeStore {
  private readonly outstanding = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): string {
    this.prune();
    if (this.outstanding.size >= MAX_OUTSTANDING) {
      const oldest = this.outstanding.keys().next().value;
      if (oldest !== undefined) this.outstanding.delete(oldest);
    }
    const challenge = toBase64Url(nativeSuite.randomBytes(CHALLENGE_BYTES));
    this.outstanding.set(challenge, this.now() + this.ttlMs);
    return challenge;
  }

  /** True once per issued, unexpired challenge. */
  consume(challenge: string): boolean {
    const expires = this.outstanding.get(challenge);
    this.outstanding.delete(challenge);
    return expires !== undefined && expires > this.now();
  }

  private prune(): void {
    const now = this.now();
    for (const [c, expires] of this.outstanding) {
      if (expires > now) break; // insertion order is expiry order
      this.outstanding.delete(c);
    }
  }
}
