/** Relay-auth challenges (relay-server/src/auth/challenges.ts), with a controllable clock. */
import { describe, expect, it } from 'vitest';
import { CHALLENGE_BYTES, fromBase64Url } from '@circle/protocol';
import { ChallengeStore } from '../src/auth/challenges.js';

const TTL = 30_000;
const clockAt = (start: number) => {
  const clock = { t: start, now: () => clock.t };
  return clock;
};

describe('ChallengeStore', () => {
  it('issues distinct 32-byte challenges, each accepted exactly once', () => {
    const store = new ChallengeStore(TTL);
    const issued = Array.from({ length: 100 }, () => store.issue());
    expect(new Set(issued).size).toBe(100);
    for (const c of issued) expect(fromBase64Url(c).length).toBe(CHALLENGE_BYTES);
    for (const c of issued) expect(store.consume(c)).toBe(true);
    for (const c of issued) expect(store.consume(c)).toBe(false);
  });

  it('refuses a challenge with any byte flipped, and one issued by another relay process', () => {
    const store = new ChallengeStore(TTL);
    const c = store.issue();
    const bytes = Buffer.from(c, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i]! ^= 0x01;
      expect(store.consume(flipped.toString('base64url')), `byte ${i} flipped`).toBe(false);
    }
    expect(store.consume(new ChallengeStore(TTL).issue())).toBe(false);
    expect(store.consume(c)).toBe(true);
  });

  it('refuses garbage without throwing', () => {
    const store = new ChallengeStore(TTL);
    for (const junk of ['', 'x', 'A'.repeat(43), 'A'.repeat(44), '!'.repeat(43), `${store.issue()}A`, 'é'.repeat(43)])
      expect(store.consume(junk)).toBe(false);
  });

  it('expires a challenge after its lifetime, used or not', () => {
    const clock = clockAt(Date.UTC(2026, 10, 22, 12, 0, 0));
    const store = new ChallengeStore(TTL, clock.now);
    const unused = store.issue();
    const late = store.issue();
    clock.t += TTL - 1;
    expect(store.consume(unused)).toBe(true);
    clock.t += 1_001; // past the expiry second
    expect(store.consume(late)).toBe(false);
  });

  it('keeps accepting an early challenge whatever number of challenges is issued after it (issuing keeps no state)', () => {
    const store = new ChallengeStore(TTL);
    const early = store.issue();
    for (let i = 0; i < 50_000; i++) store.issue();
    expect(store.consume(early)).toBe(true);
  });

  it('forgets used challenges once they expire: a replay after expiry is still refused, by the expiry', () => {
    const clock = clockAt(Date.UTC(2026, 10, 22, 12, 0, 0));
    const store = new ChallengeStore(TTL, clock.now);
    const used = Array.from({ length: 1000 }, () => store.issue());
    for (const c of used) expect(store.consume(c)).toBe(true);
    expect(store.remembered).toBe(1000);
    clock.t += TTL + 1_000;
    const fresh = store.issue();
    expect(store.consume(fresh)).toBe(true);
    expect(store.remembered).toBe(1);
    for (const c of used) expect(store.consume(c)).toBe(false);
  });
});
