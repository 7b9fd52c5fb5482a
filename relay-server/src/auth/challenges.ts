/**
 * Single-use relay-auth challenges, issued over HTTP and consumed by the Socket.IO handshake
 * (docs/PROTOCOL.md §7.1). A challenge carries its own proof of origin:
 *
 *   nonce (12 random bytes) || expiry (u32, Unix seconds) || HMAC-SHA-256(key, label || nonce || expiry)[0..16]
 *
 * Issuing keeps no state, so no flood of `GET /auth/challenge` can push a member's challenge
 * out. A lone relay draws its key at start; the nodes of a cluster share one key kept in
 * PostgreSQL (cluster/shared-challenges.ts), so a challenge fetched from any node verifies on
 * every node. A challenge is claimed (remembered, to refuse its reuse) only after the
 * handshake proved an active member's key: a stranger's traffic never fills the used set.
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
 * Logins one member may make within one challenge lifetime on a lone relay. Past it only that
 * member is refused (until their earlier challenges expire): the used set stays bounded by the
 * number of members, and no one can fill it for others.
 */
export const MAX_LOGINS_PER_LIFETIME = 100;

/** A challenge this relay (or a node sharing its key) issued and that has not expired. */
export interface CheckedChallenge {
  /** Hex of the 32 bytes: base64url has several spellings of the same bytes, the signature covers the bytes. */
  id: string;
  expirySecond: number;
}

export type ClaimResult = 'claimed' | 'used' | 'too-many';

/** Where used challenges are remembered until they expire: in memory, or in PostgreSQL for a cluster. */
export interface UsedChallenges {
  claim(challenge: CheckedChallenge, member: string, nowMs: number): Promise<ClaimResult>;
}

export interface ChallengeStoreOptions {
  /** The MAC key (32 bytes); a random one when absent. */
  key?: Uint8Array;
  used?: UsedChallenges;
}

export class ChallengeStore {
  private readonly key: Uint8Array;
  private readonly used: UsedChallenges;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    options: ChallengeStoreOptions = {},
  ) {
    this.key = options.key ?? randomBytes(32);
    this.used = options.used ?? new MemoryUsedChallenges();
  }

  issue(): string {
    const nonce = randomBytes(NONCE_BYTES);
    const expiry = Buffer.alloc(EXPIRY_BYTES);
    expiry.writeUInt32BE(Math.ceil((this.now() + this.ttlMs) / 1000));
    return toBase64Url(Buffer.concat([nonce, expiry, this.mac(nonce, expiry)]));
  }

  /** Stateless: the challenge was issued with this key and has not expired. Null otherwise. */
  check(challenge: string): CheckedChallenge | null {
    if (challenge.length !== ENCODED_LENGTH || !/^[A-Za-z0-9_-]+$/.test(challenge)) return null;
    const bytes = Buffer.from(challenge, 'base64url');
    if (bytes.length !== CHALLENGE_BYTES) return null;
    const nonce = bytes.subarray(0, NONCE_BYTES);
    const expiry = bytes.subarray(NONCE_BYTES, NONCE_BYTES + EXPIRY_BYTES);
    if (!timingSafeEqual(this.mac(nonce, expiry), bytes.subarray(NONCE_BYTES + EXPIRY_BYTES))) return null;
    const expirySecond = expiry.readUInt32BE();
    if (expirySecond * 1000 <= this.now()) return null;
    return { id: bytes.toString('hex'), expirySecond };
  }

  /** Claims a checked challenge for `member` (their key hash): once per challenge, on every node sharing the store. */
  claim(challenge: CheckedChallenge, member: string): Promise<ClaimResult> {
    return this.used.claim(challenge, member, this.now());
  }

  /** check then claim, for callers that have already authenticated the member. */
  async consume(challenge: string, member: string): Promise<boolean> {
    const checked = this.check(challenge);
    return checked !== null && (await this.claim(checked, member)) === 'claimed';
  }

  private mac(nonce: Uint8Array, expiry: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(MAC_LABEL).update(nonce).update(expiry).digest().subarray(0, MAC_BYTES);
  }
}

/** A lone relay's used challenges, bucketed by expiry second so expired ones go a bucket at a time. */
export class MemoryUsedChallenges implements UsedChallenges {
  /** Expiry second -> challenge id -> the member who used it. */
  private readonly buckets = new Map<number, Map<string, string>>();
  private readonly perMember = new Map<string, number>();
  private count = 0;

  /** Used challenges still remembered (they are forgotten as they expire). */
  get remembered(): number {
    return this.count;
  }

  claim(challenge: CheckedChallenge, member: string, nowMs: number): Promise<ClaimResult> {
    this.prune(nowMs);
    let bucket = this.buckets.get(challenge.expirySecond);
    if (bucket?.has(challenge.id)) return Promise.resolve('used');
    const mine = this.perMember.get(member) ?? 0;
    if (mine >= MAX_LOGINS_PER_LIFETIME) return Promise.resolve('too-many');
    if (!bucket) this.buckets.set(challenge.expirySecond, (bucket = new Map<string, string>()));
    bucket.set(challenge.id, member);
    this.perMember.set(member, mine + 1);
    this.count++;
    return Promise.resolve('claimed');
  }

  private prune(nowMs: number): void {
    for (const [second, bucket] of this.buckets) {
      if (second * 1000 > nowMs) continue;
      for (const member of bucket.values()) {
        const left = (this.perMember.get(member) ?? 1) - 1;
        if (left > 0) this.perMember.set(member, left);
        else this.perMember.delete(member);
      }
      this.count -= bucket.size;
      this.buckets.delete(second);
    }
  }
}
