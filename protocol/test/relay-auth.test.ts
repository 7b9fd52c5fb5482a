import { describe, expect, it } from 'vitest';
import {
  CHALLENGE_BYTES,
  ErrorCode,
  computeExpiry,
  deleteProofHash,
  expiryWindow,
  keyHash,
  mailboxAddress,
  mailboxAddressFromKeyHash,
  nativeSuite,
  referenceSuite,
  toHex,
  parseWith,
  relayOrigin,
  requests,
  safetyNumber,
  signRelayChallenge,
  startOfUtcDay,
  verifyRelayChallenge,
  DAY_MS,
} from '../src/index.js';
import { makeCircle } from './support/fixtures.js';

const circle = await makeCircle(['Alice', 'Bob']);
const alice = circle.keys[0]!;
const bob = circle.keys[1]!;

describe('relay authentication', () => {
  it('accepts a response for this challenge and this relay origin', async () => {
    const challenge = nativeSuite.randomBytes(CHALLENGE_BYTES);
    const proof = await signRelayChallenge(alice.ed25519Seed, alice.member.ed25519PublicKey, challenge, 'https://relay.example/some/path');
    expect(await verifyRelayChallenge(proof, challenge, 'https://relay.example')).toBe(true);
  });

  it('rejects the same response for another relay origin, another challenge, or another key', async () => {
    const challenge = nativeSuite.randomBytes(CHALLENGE_BYTES);
    const proof = await signRelayChallenge(alice.ed25519Seed, alice.member.ed25519PublicKey, challenge, 'https://relay.example');
    expect(await verifyRelayChallenge(proof, challenge, 'https://evil.example')).toBe(false);
    expect(await verifyRelayChallenge(proof, challenge, 'http://relay.example')).toBe(false);
    expect(await verifyRelayChallenge(proof, nativeSuite.randomBytes(CHALLENGE_BYTES), 'https://relay.example')).toBe(false);
    expect(await verifyRelayChallenge({ ...proof, publicKey: bob.member.ed25519PublicKey }, challenge, 'https://relay.example')).toBe(
      false,
    );
    expect(await verifyRelayChallenge(proof, challenge.subarray(0, 16), 'https://relay.example')).toBe(false);
  });

  it('canonicalises origins and refuses garbage URLs', () => {
    expect(relayOrigin('HTTPS://Relay.Example:443/x?y')).toBe('https://relay.example');
    expect(() => relayOrigin('not a url')).toThrow();
  });

  it('derives key hashes and mailbox addresses that differ from each other and from the key', () => {
    const h = keyHash(alice.member.ed25519PublicKey);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(mailboxAddress(alice.member.ed25519PublicKey)).toBe(mailboxAddressFromKeyHash(h));
    expect(mailboxAddress(alice.member.ed25519PublicKey)).toMatch(/^[0-9a-f]{32}$/);
    expect(h.includes(mailboxAddress(alice.member.ed25519PublicKey))).toBe(false);
    expect(mailboxAddress(alice.member.ed25519PublicKey)).not.toBe(mailboxAddress(bob.member.ed25519PublicKey));
  });

  it('hashes a deletion secret to the hex SHA-256 both crypto suites compute (the value blob:put carries)', async () => {
    for (let i = 0; i < 20; i++) {
      const secret = nativeSuite.randomBytes(32);
      const expected = toHex(await nativeSuite.sha256(secret));
      expect(deleteProofHash(secret)).toBe(expected);
      expect(toHex(await referenceSuite.sha256(secret))).toBe(expected);
    }
    // FIPS 180-2 test vector: SHA-256("abc").
    expect(deleteProofHash(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('expiry', () => {
  it('falls in the 24 h window starting 72 h after the UTC day began, whatever the random draw', () => {
    const now = Date.UTC(2026, 10, 22, 13, 37, 12, 345);
    const day = Date.UTC(2026, 10, 22);
    expect(startOfUtcDay(now)).toBe(day);
    expect(computeExpiry(now, () => 0)).toBe(day + 3 * DAY_MS);
    expect(computeExpiry(now, () => 0.999999999)).toBeLessThan(day + 4 * DAY_MS);
    for (let i = 0; i < 1000; i++) {
      const e = computeExpiry(now);
      expect(e >= day + 3 * DAY_MS && e < day + 4 * DAY_MS).toBe(true);
    }
    expect(expiryWindow(now)).toEqual({ earliest: day + 3 * DAY_MS, latest: day + 4 * DAY_MS });
  });

  it('does not encode the time of day of sending', () => {
    const morning = Date.UTC(2026, 0, 1, 0, 0, 1);
    const night = Date.UTC(2026, 0, 1, 23, 59, 59);
    expect(computeExpiry(morning, () => 0.5)).toBe(computeExpiry(night, () => 0.5));
  });
});

describe('safety numbers', () => {
  it('are the same from both sides, 12 groups of 5 digits, and differ per pair', async () => {
    const [a, b] = [alice.member, bob.member];
    const n = safetyNumber(a, b);
    expect(n).toBe(safetyNumber(b, a));
    expect(n).toMatch(/^(\d{5} ){11}\d{5}$/);
    const other = (await makeCircle(['X'])).keys[0]!.member;
    expect(safetyNumber(a, other)).not.toBe(n);
  });

  it('change when either member’s X25519 identity key changes, not only the Ed25519 one', () => {
    const [a, b] = [alice.member, bob.member];
    const swapped = { ...b, x25519PublicKey: alice.member.x25519PublicKey };
    expect(safetyNumber(a, swapped)).not.toBe(safetyNumber(a, b));
    expect(safetyNumber({ ...a, x25519PublicKey: b.x25519PublicKey }, b)).not.toBe(safetyNumber(a, b));
  });
});

describe('event payload validation', () => {
  it('names the field that was wrong', () => {
    const err = (() => {
      try {
        parseWith(requests['blob:put'].request, { id: 'x', to: 'y', bytes: new Uint8Array(1), deleteProofHash: 'z' }, 'blob:put');
      } catch (e) {
        return e as { code: string; message: string };
      }
      return undefined;
    })();
    expect(err?.code).toBe(ErrorCode.BadRequest);
    expect(err?.message).toMatch(/field 'id'/);
  });

  it('rejects unknown fields and non-binary bytes', () => {
    expect(() => parseWith(requests['presence:list'].request, { extra: 1 }, 'presence:list')).toThrow(/presence:list/);
    const good = { id: '4b6a1f0e-8c3d-4e2a-9f1b-2c3d4e5f6a7b', to: 'a'.repeat(32), deleteProofHash: 'b'.repeat(64) };
    expect(() => parseWith(requests['blob:put'].request, { ...good, bytes: 'not bytes' }, 'blob:put')).toThrow(/bytes/);
    expect(parseWith(requests['blob:put'].request, { ...good, bytes: new ArrayBuffer(4) }, 'blob:put').bytes).toBeInstanceOf(Uint8Array);
  });
});
