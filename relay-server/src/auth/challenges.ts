/**
 * Single-use relay-auth challenges, issued over HTTP and consumed by the Socket.IO handshake
 * (docs/PROTOCOL.md §7.1). A challenge carries its own proof of origin:
 *
 *   nonce (12 random bytes) || expiry (u32, Unix seconds) || HMAC-SHA-256(key, label || nonce || expiry)[0..16]
 *
 * under a key this relay process draws at start. Issuing keeps no state, so no flood of
 * `GET /auth/challenge` can push a member's challenge out. Only challenges presented in a
 * handshake are remembered (to refuse their reuse), each until it expires.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CHALLENGE_BYTES, toBase64Url } from '@circle/protocol';

const NONCE_BYTES = 12;
const EXPIRY_BYTES = 4;
const MAC_BYTES = CHALLENGE_BYTES - NONCE_BYTES - EXPIRY_BYTES;
const MAC_LABEL = Buffer.from('circle/v1/relay-challenge', 'ascii');
/** The exact base64url length of a challenge (no padding); anything else is refused unparsed. */
const ENCODED_LENGTH = Math.ceil((CHALLENGE_BYTES * 4) / 3);
/**
 * Challenges used within one lifetime, at most. Reaching it takes that many handshakes within
 * the challenge lifetime; past it the relay refuses new handshakes (ChallengeInvalid) rather
 * than grow without bound, until earlier challenges expire.
 */
const MAX_USED = 200_000;

export class ChallengeStore {
  private readonly key = randomBytes(32);
  /** Used challenges, bucketed by their expiry second so expired ones go a bucket at a time. */
  private readonly used = new Map<number, Set<string>>();
  private usedCount = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Used challenges still remembered (they are forgotten as they expire). */
  get remembered(): number {
    return this.usedCount;
  }

  issue(): string {
    const nonce = randomBytes(NONCE_BYTES);
    const expiry = Buffer.alloc(EXPIRY_BYTES);
    expiry.writeUInt32BE(Math.ceil((this.now() + this.ttlMs) / 1000));
    return toBase64Url(Buffer.concat([nonce, expiry, this.mac(nonce, expiry)]));
  }

  /** True once per challenge this relay issued that has not expired. */
  consume(challenge: string): boolean {
    if (challenge.length !== ENCODED_LENGTH || !/^[A-Za-z0-9_-]+$/.test(challenge)) return false;
    const bytes = Buffer.from(challenge, 'base64url');
    if (bytes.length !== CHALLENGE_BYTES) return false;
    const nonce = bytes.subarray(0, NONCE_BYTES);
    const expiry = bytes.subarray(NONCE_BYTES, NONCE_BYTES + EXPIRY_BYTES);
    if (!timingSafeEqual(this.mac(nonce, expiry), bytes.subarray(NONCE_BYTES + EXPIRY_BYTES))) return false;
    const expirySecond = expiry.readUInt32BE();
    const now = this.now();
    if (expirySecond * 1000 <= now) return false;
    this.prune(now);
    // Keyed by the bytes, not the text: base64url has several spellings of the same 32 bytes
    // (the last character's low bits), and the member's signature covers the bytes.
    const id = bytes.toString('hex');
    let bucket = this.used.get(expirySecond);
    if (bucket?.has(id)) return false;
    if (this.usedCount >= MAX_USED) return false;
    if (!bucket) this.used.set(expirySecond, (bucket = new Set()));
    bucket.add(id);
    this.usedCount++;
    return true;
  }

  private mac(nonce: Uint8Array, expiry: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(MAC_LABEL).update(nonce).update(expiry).digest().subarray(0, MAC_BYTES);
  }

  private prune(now: number): void {
    for (const [second, bucket] of this.used) {
      if (second * 1000 > now) continue;
      this.usedCount -= bucket.size;
      this.used.delete(second);
    }
  }
}
