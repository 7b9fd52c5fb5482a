import { describe, expect, it } from 'vitest';
import {
  ML_KEM_CIPHERTEXT_BYTES,
  mlKemDecapsulate,
  mlKemEncapsulate,
  mlKemKeyPair,
  mlKemLookalikeCiphertext,
} from '../src/crypto/ml-kem.js';
import { ErrorCode, fromHex, nativeSuite, toHex } from '../src/index.js';
import { errorCodeOf } from './support/fixtures.js';
import { loadWycheproof } from './support/wycheproof.js';

const hex = (v: unknown) => fromHex(String(v));
const outcome = (fn: () => Uint8Array) => {
  try {
    return toHex(fn());
  } catch {
    return 'rejected';
  }
};

describe('ML-KEM-768 through our wrapper (Wycheproof, read in place)', () => {
  it('derives ek from the 64-byte seed and decapsulates every ciphertext to the listed K; wrong sizes are refused', () => {
    let ran = 0;
    for (const g of loadWycheproof('mlkem_768').groups) {
      for (const t of g.tests) {
        const keys = (() => {
          try {
            return mlKemKeyPair(hex(t.seed));
          } catch {
            return undefined;
          }
        })();
        if (t.result === 'valid') {
          expect(keys && toHex(keys.publicKey), `tcId ${t.tcId}`).toBe(t.ek);
          // Random and bit-flipped ciphertexts take implicit rejection and still give the listed K.
          expect(
            outcome(() => mlKemDecapsulate(hex(t.c), keys!.secretKey)),
            `tcId ${t.tcId} ${t.comment ?? ''}`,
          ).toBe(t.K);
        } else {
          const out = keys ? outcome(() => mlKemDecapsulate(hex(t.c), keys.secretKey)) : 'rejected';
          expect(out, `tcId ${t.tcId} ${t.comment ?? ''}`).toBe('rejected');
        }
        ran++;
      }
    }
    expect(ran).toBe(193);
  });

  it('encapsulates with fixed randomness to the listed (c, K); unreduced or wrong-length keys are BadPublicKey', async () => {
    let ran = 0;
    for (const g of loadWycheproof('mlkem_768_encaps').groups) {
      for (const t of g.tests) {
        if (t.result === 'valid') {
          const ek = hex(t.ek);
          // Twice: the first expands the key, the second reuses the expanded key.
          for (let i = 0; i < 2; i++) {
            const { cipherText, sharedSecret } = mlKemEncapsulate(ek, hex(t.m));
            expect([toHex(cipherText), toHex(sharedSecret)], `tcId ${t.tcId}`).toEqual([t.c, t.K]);
          }
        } else {
          expect(await errorCodeOf(async () => mlKemEncapsulate(hex(t.ek), hex(t.m))), `tcId ${t.tcId} ${t.comment ?? ''}`).toBe(
            ErrorCode.BadPublicKey,
          );
        }
        ran++;
      }
    }
    expect(ran).toBe(265);
  });
});

it('a key array changed in place after use is expanded again, not served from the cache', () => {
  const a = mlKemKeyPair(new Uint8Array(64).fill(1));
  const b = mlKemKeyPair(new Uint8Array(64).fill(2));
  const key = a.publicKey.slice();
  const m = new Uint8Array(32).fill(3);
  mlKemEncapsulate(key, m);
  key.set(b.publicKey);
  const { cipherText, sharedSecret } = mlKemEncapsulate(key, m);
  expect(toHex(mlKemDecapsulate(cipherText, b.secretKey))).toBe(toHex(sharedSecret));
});

describe('look-alike ciphertexts (the C field of frames that carry no encapsulation)', () => {
  /** Share of 10-bit symbols of the u part that fall in the 257 values that 4 residues mod q compress to. */
  function heavyShare(samples: Uint8Array[]): number {
    const heavy = new Set<number>();
    const counts = new Array<number>(1024).fill(0);
    for (let x = 0; x < 3329; x++) counts[Math.floor(((x << 10) + 1664) / 3329) & 1023]!++;
    counts.forEach((c, v) => c === 4 && heavy.add(v));
    let hits = 0;
    let total = 0;
    for (const s of samples) {
      for (let i = 0; i < 768; i++) {
        const bit = i * 10;
        const word = s[bit >> 3]! | (s[(bit >> 3) + 1]! << 8) | ((s[(bit >> 3) + 2] ?? 0) << 16);
        if (heavy.has((word >> (bit & 7)) & 1023)) hits++;
        total++;
      }
    }
    return hits / total;
  }

  it('are distributed like real ciphertexts, where random bytes are not', () => {
    const { publicKey } = mlKemKeyPair(nativeSuite.randomBytes(64));
    const real = Array.from({ length: 40 }, () => mlKemEncapsulate(publicKey, nativeSuite.randomBytes(32)).cipherText);
    const lookalike = Array.from({ length: 40 }, () => mlKemLookalikeCiphertext((n) => nativeSuite.randomBytes(n)));
    const random = Array.from({ length: 40 }, () => nativeSuite.randomBytes(ML_KEM_CIPHERTEXT_BYTES));
    expect(lookalike.every((c) => c.length === ML_KEM_CIPHERTEXT_BYTES)).toBe(true);
    // Expected shares: 1028/3329 = 0.309 for ciphertexts, 257/1024 = 0.251 for random bytes.
    expect(heavyShare(real)).toBeCloseTo(0.309, 1);
    expect(Math.abs(heavyShare(lookalike) - heavyShare(real))).toBeLessThan(0.02);
    expect(heavyShare(random)).toBeLessThan(0.27);
  });
});
