import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, nativeSuite, referenceSuite, webCryptoSuite, type CryptoSuite } from '../src/index.js';

// Crafted Ed25519 signatures on which cofactored and cofactorless verification disagree
// (docs/PROTOCOL.md §2, the Ed25519 note). Circle's rule is strict RFC 8032 with the
// cofactorless equation [S]B = R + [k]A checked on encodings: every suite must reject them.
const { Point } = ed25519;
const L = Point.Fn.ORDER;
const modL = (n: bigint) => ((n % L) + L) % L;
const le = (bytes: Uint8Array) => BigInt('0x' + Buffer.from(bytes).reverse().toString('hex'));
const leBytes = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse());
// A point of order 8 (the torsion subgroup's generator).
const TORSION = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');

function signWithR(seed: Uint8Array, message: Uint8Array, r: bigint, torsion: typeof TORSION): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
  const rBytes = Point.BASE.multiply(r).add(torsion).toBytes();
  const k = modL(le(sha512(concatBytes(rBytes, pointBytes, message))));
  return concatBytes(rBytes, leBytes(modL(r + k * scalar)));
}

function crafted() {
  const seed = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(seed);
  const message = new TextEncoder().encode('circle crafted signature');
  const r = modL(le(sha512(concatBytes(seed, message)))) || 1n;
  return { publicKey, message, honest: signWithR(seed, message, r, Point.ZERO), mixedOrderR: signWithR(seed, message, r, TORSION) };
}

describe.each<CryptoSuite>([nativeSuite, webCryptoSuite, referenceSuite])('$name suite: one Ed25519 rule', (suite) => {
  it('accepts the honest signature built the same way (the crafting is sound)', async () => {
    const c = crafted();
    expect(await suite.ed25519Verify(c.publicKey, c.message, c.honest)).toBe(true);
  });

  it('rejects a signature whose R carries a small-order component (valid only under cofactored verification)', async () => {
    const c = crafted();
    // The cofactored equation holds, so a ZIP-215 or cofactored verifier would accept it.
    expect(ed25519.verify(c.mixedOrderR, c.message, c.publicKey, { zip215: true })).toBe(true);
    expect(await suite.ed25519Verify(c.publicKey, c.message, c.mixedOrderR)).toBe(false);
  });
});
