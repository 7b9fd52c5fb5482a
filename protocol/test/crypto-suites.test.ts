import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeOneShot } from '../src/crypto/node-one-shot.js';
import { CircleError, ErrorCode, fromHex, nativeSuite, referenceSuite, toHex, webCryptoSuite, type CryptoSuite } from '../src/index.js';
import rfc7748 from './vectors/rfc7748.json' with { type: 'json' };
import rfc8032 from './vectors/rfc8032.json' with { type: 'json' };

const suites: CryptoSuite[] = [nativeSuite, webCryptoSuite, referenceSuite];
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });

describe.each(suites)('$name suite: RFC known answers', (suite) => {
  it('computes the RFC 7748 scalar multiplication vector', async () => {
    for (const v of rfc7748.scalarMult) {
      expect(toHex(await suite.x25519SharedSecret(fromHex(v.scalar), fromHex(v.u)))).toBe(v.out);
    }
  });

  it('agrees on the RFC 7748 Alice/Bob shared secret from both sides', async () => {
    const dh = rfc7748.diffieHellman;
    expect(toHex(await suite.x25519PublicKey(fromHex(dh.alicePrivate)))).toBe(dh.alicePublic);
    expect(toHex(await suite.x25519PublicKey(fromHex(dh.bobPrivate)))).toBe(dh.bobPublic);
    expect(toHex(await suite.x25519SharedSecret(fromHex(dh.alicePrivate), fromHex(dh.bobPublic)))).toBe(dh.shared);
    expect(toHex(await suite.x25519SharedSecret(fromHex(dh.bobPrivate), fromHex(dh.alicePublic)))).toBe(dh.shared);
  });

  it('signs and verifies the RFC 8032 Ed25519 vectors', async () => {
    for (const v of rfc8032.tests) {
      expect(toHex(await suite.ed25519PublicKey(fromHex(v.secretKey)))).toBe(v.publicKey);
      expect(toHex(await suite.ed25519Sign(fromHex(v.secretKey), fromHex(v.message)))).toBe(v.signature);
      expect(await suite.ed25519Verify(fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature))).toBe(true);
    }
  });

  it('rejects a low-order X25519 public key with BadPublicKey', async () => {
    const err = await suite.x25519SharedSecret(suite.randomBytes(32), new Uint8Array(32)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircleError);
    expect((err as CircleError).code).toBe(ErrorCode.BadPublicKey);
  });

  it('rejects a malleated Ed25519 signature (S + L)', async () => {
    const v = rfc8032.tests[1]!;
    const sig = fromHex(v.signature);
    // Add the group order L to S (little-endian 32-byte integer in the second half).
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    s += L;
    const malleated = sig.slice();
    for (let i = 0; i < 32; i++) malleated[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    expect(await suite.ed25519Verify(fromHex(v.publicKey), fromHex(v.message), malleated)).toBe(false);
  });

  it('an imported AES-GCM key copies plaintext and aad before seal returns: both may be reused at once', async () => {
    const key = await suite.aesGcmKey(nativeSuite.randomBytes(32));
    const nonce = nativeSuite.randomBytes(12);
    const buffer = nativeSuite.randomBytes(65_536);
    const aad = nativeSuite.randomBytes(49);
    const [original, originalAad] = [buffer.slice(), aad.slice()];
    const sealing = Array.from({ length: 4 }, (_, i) => {
      const sealed = key.seal(nonce, buffer, aad);
      buffer.fill(i + 1); // what the next chunk would write into a shared buffer
      aad.fill(i + 1);
      return sealed;
    });
    const first = await sealing[0]!;
    expect(toHex(await key.open(nonce, first, originalAad))).toBe(toHex(original));
    expect(toHex(await key.open(nonce, await sealing[1]!, aad.fill(1)))).toBe(toHex(new Uint8Array(65_536).fill(1)));
  });
});

describe.each([nativeSuite, webCryptoSuite])('$name suite matches the noble reference byte for byte', (native) => {
  it('X25519 public keys and shared secrets', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(32, 32), bytes(32, 32), async (a, b) => {
        const pb = await referenceSuite.x25519PublicKey(b);
        expect(toHex(await native.x25519PublicKey(a))).toBe(toHex(await referenceSuite.x25519PublicKey(a)));
        expect(toHex(await native.x25519SharedSecret(a, pb))).toBe(toHex(await referenceSuite.x25519SharedSecret(a, pb)));
      }),
      { numRuns: 40 },
    );
  });

  it('Ed25519 keys, signatures and verification', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(32, 32), bytes(0, 300), async (seed, msg) => {
        const pk = await referenceSuite.ed25519PublicKey(seed);
        expect(toHex(await native.ed25519PublicKey(seed))).toBe(toHex(pk));
        const sig = await native.ed25519Sign(seed, msg);
        expect(toHex(sig)).toBe(toHex(await referenceSuite.ed25519Sign(seed, msg)));
        expect(await referenceSuite.ed25519Verify(pk, msg, sig)).toBe(true);
        expect(await native.ed25519Verify(pk, msg, sig)).toBe(true);
        expect(await native.ed25519Verify(pk, Uint8Array.of(...msg, 0), sig)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('AES-256-GCM seal and open', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(32, 32), bytes(12, 12), bytes(0, 2000), bytes(0, 64), async (key, nonce, msg, aad) => {
        const sealed = await native.aesGcmSeal(key, nonce, msg, aad);
        expect(toHex(sealed)).toBe(toHex(await referenceSuite.aesGcmSeal(key, nonce, msg, aad)));
        expect(toHex(await referenceSuite.aesGcmOpen(key, nonce, sealed, aad))).toBe(toHex(msg));
      }),
      { numRuns: 60 },
    );
  });

  it('HKDF-SHA-256 and SHA-256', async () => {
    await fc.assert(
      fc.asyncProperty(bytes(1, 64), bytes(0, 64), bytes(0, 64), fc.integer({ min: 1, max: 255 }), async (ikm, salt, info, len) => {
        expect(toHex(await native.hkdfSha256(ikm, salt, info, len))).toBe(toHex(await referenceSuite.hkdfSha256(ikm, salt, info, len)));
        expect(toHex(await native.sha256(ikm))).toBe(toHex(await referenceSuite.sha256(ikm)));
      }),
      { numRuns: 60 },
    );
  });

  it('a one-use key refuses a changed ciphertext, tag or aad, and a frame shorter than its tag, with EnvelopeInvalid', async () => {
    const info = new Uint8Array([4, 5, 6]);
    const r = native.randomBytes(32);
    const R = await native.x25519PublicKey(r);
    const { ephemeralPublicKey, key } = await native.agreeOneUseKey(R, info);
    const aad = native.randomBytes(33);
    const sealed = await key.seal(native.randomBytes(65_000), aad);
    const opener = await native.acceptOneUseKey(r, R, ephemeralPublicKey, info);
    const flip = (b: Uint8Array, i: number) => Uint8Array.from(b, (v, j) => (j === i ? v ^ 1 : v));
    for (const [what, bytes, extra] of [
      ['ciphertext', flip(sealed, 10), aad],
      ['tag', flip(sealed, sealed.length - 1), aad],
      ['aad', sealed, flip(aad, 0)],
      ['truncated', sealed.subarray(0, 15), aad],
    ] as const) {
      const err = await opener.open(bytes, extra).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(CircleError);
      expect((err as CircleError).code, what).toBe(ErrorCode.EnvelopeInvalid);
    }
  });

  it('one-use envelope keys agree across suites and sides', async () => {
    const info = new Uint8Array([1, 2, 3]);
    const r = native.randomBytes(32);
    const R = await native.x25519PublicKey(r);
    const e = native.randomBytes(32);
    const n = await native.agreeOneUseKey(R, info, e);
    const ref = await referenceSuite.agreeOneUseKey(R, info, e);
    expect(toHex(n.ephemeralPublicKey)).toBe(toHex(ref.ephemeralPublicKey));
    const msg = native.randomBytes(1000);
    const sealed = await n.key.seal(msg, info);
    expect(toHex(sealed)).toBe(toHex(await ref.key.seal(msg, info)));
    const opened = await (await referenceSuite.acceptOneUseKey(r, R, n.ephemeralPublicKey, info)).open(sealed, info);
    expect(toHex(opened)).toBe(toHex(msg));
    const fresh = await native.agreeOneUseKey(R, info);
    const back = await (await native.acceptOneUseKey(r, R, fresh.ephemeralPublicKey, info)).open(await fresh.key.seal(msg, info), info);
    expect(toHex(back)).toBe(toHex(msg));
  });
});

describe('native suite on Node', () => {
  it("takes Node's one-shot X25519 and Ed25519 (so the tests above cover both native paths)", () => {
    const oneShot = nodeOneShot();
    expect(oneShot).toBeDefined();
    expect(typeof oneShot!.x25519).toBe('function');
  });
});
