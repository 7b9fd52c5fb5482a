/** Relay-auth challenges (relay-server/src/auth/challenges.ts), with a controllable clock. */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { CHALLENGE_BYTES, fromBase64Url } from '@circle/protocol';
import { ChallengeStore, MAX_LOGINS_PER_LIFETIME, MemoryUsedChallenges } from '../src/auth/challenges.js';

const TTL = 30_000;
const MEMBER = 'a'.repeat(64);
const clockAt = (start: number) => {
  const clock = { t: start, now: () => clock.t };
  return clock;
};

describe('ChallengeStore', () => {
  it('issues distinct 32-byte challenges, each accepted exactly once', async () => {
    const store = new ChallengeStore(TTL);
    const issued = Array.from({ length: 100 }, () => store.issue());
    expect(new Set(issued).size).toBe(100);
    for (const c of issued) expect(fromBase64Url(c).length).toBe(CHALLENGE_BYTES);
    for (const c of issued) expect(await store.consume(c, `${MEMBER}${c}`)).toBe(true);
    for (const c of issued) expect(await store.consume(c, `${MEMBER}${c}`)).toBe(false);
  });

  it('refuses a challenge with any byte flipped, and one issued by another relay process', async () => {
    const store = new ChallengeStore(TTL);
    const c = store.issue();
    const bytes = Buffer.from(c, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i]! ^= 0x01;
      expect(store.check(flipped.toString('base64url')), `byte ${i} flipped`).toBeNull();
    }
    expect(store.check(new ChallengeStore(TTL).issue())).toBeNull();
    expect(await store.consume(c, MEMBER)).toBe(true);
  });

  it('accepts a challenge issued by another node holding the same key (a cluster), once across both when they share the used set', async () => {
    const key = randomBytes(32);
    const used = new MemoryUsedChallenges();
    const node1 = new ChallengeStore(TTL, Date.now, { key, used });
    const node2 = new ChallengeStore(TTL, Date.now, { key, used });
    const c = node1.issue();
    expect(node2.check(c)).not.toBeNull();
    expect(await node2.consume(c, MEMBER)).toBe(true);
    expect(await node1.consume(c, MEMBER)).toBe(false);
  });

  it('refuses garbage without throwing', () => {
    const store = new ChallengeStore(TTL);
    for (const junk of ['', 'x', 'A'.repeat(43), 'A'.repeat(44), '!'.repeat(43), `${store.issue()}A`, 'é'.repeat(43)])
      expect(store.check(junk)).toBeNull();
  });

  it('expires a challenge after its lifetime, used or not', async () => {
    const clock = clockAt(Date.UTC(2026, 10, 22, 12, 0, 0));
    const store = new ChallengeStore(TTL, clock.now);
    const unused = store.issue();
    const late = store.issue();
    clock.t += TTL - 1;
    expect(await store.consume(unused, MEMBER)).toBe(true);
    clock.t += 1_001; // past the expiry second
    expect(store.check(late)).toBeNull();
  });

  it('keeps accepting an early challenge whatever number of challenges is issued after it (issuing keeps no state)', async () => {
    const store = new ChallengeStore(TTL);
    const early = store.issue();
    for (let i = 0; i < 50_000; i++) store.issue();
    expect(await store.consume(early, MEMBER)).toBe(true);
  });

  it('forgets used challenges once they expire: a replay after expiry is still refused, by the expiry', async () => {
    const clock = clockAt(Date.UTC(2026, 10, 22, 12, 0, 0));
    const used = new MemoryUsedChallenges();
    const store = new ChallengeStore(TTL, clock.now, { used });
    const spent = Array.from({ length: 1000 }, () => store.issue());
    for (const [i, c] of spent.entries()) expect(await store.consume(c, `${MEMBER}${i}`)).toBe(true);
    expect(used.remembered).toBe(1000);
    clock.t += TTL + 1_000;
    const fresh = store.issue();
    expect(await store.consume(fresh, MEMBER)).toBe(true);
    expect(used.remembered).toBe(1);
    for (const c of spent) expect(store.check(c)).toBeNull();
  });

  it('a member who logs in too often within one lifetime is refused alone, and again once their challenges expire', async () => {
    const clock = clockAt(Date.UTC(2026, 10, 22, 12, 0, 0));
    const store = new ChallengeStore(TTL, clock.now);
    const greedy = 'b'.repeat(64);
    for (let i = 0; i < MAX_LOGINS_PER_LIFETIME; i++) expect(await store.claim(store.check(store.issue())!, greedy)).toBe('claimed');
    expect(await store.claim(store.check(store.issue())!, greedy)).toBe('too-many');
    expect(await store.claim(store.check(store.issue())!, MEMBER)).toBe('claimed');
    clock.t += TTL + 1_000;
    expect(await store.claim(store.check(store.issue())!, greedy)).toBe('claimed');
  });
});
