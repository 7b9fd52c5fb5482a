import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { describe, expect, it } from 'vitest';
import {
  BLOB_BYTES,
  CHUNK_CAPACITY,
  ErrorCode,
  ReplayGuard,
  SendCounter,
  chunkBytes,
  chunkDeleteSecret,
  concatBytes,
  countFileChunks,
  isFrame,
  nativeSuite,
  FileCipher,
  openFile,
  padToSize,
  reassembleChunks,
  sealFile,
  toHex,
  referenceSuite,
  u32,
  webCryptoSuite,
  unpad,
  utf8Decode,
  utf8Encode,
} from '../src/index.js';
import { errorCodeOf } from './support/fixtures.js';

describe('chunking and padding', () => {
  it('reassembles any payload from chunks of any size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 700 }), (data, size) => {
        const chunks = chunkBytes(data, size);
        expect(chunks.every((c) => c.length <= size)).toBe(true);
        expect(toHex(reassembleChunks(chunks))).toBe(toHex(data));
      }),
    );
  });

  it('keeps multi-byte UTF-8 intact when a chunk boundary splits a character', () => {
    const text = 'é'.repeat(10) + '😀 naïve 日本語 ' + 'x'.repeat(3);
    const bytes = utf8Encode(text);
    for (let size = 1; size < 12; size++) {
      const chunks = chunkBytes(bytes, size);
      expect(utf8Decode(reassembleChunks(chunks))).toBe(text);
    }
    // Decoding chunk by chunk is exactly the bug this rules out:
    expect(() => chunkBytes(utf8Encode('é'), 1).map((c) => utf8Decode(c))).toThrow();
  });

  it('pads to a fixed size and rejects non-zero padding or a lying length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        const padded = padToSize(data, 256);
        expect(padded.length).toBe(256);
        expect(toHex(unpad(padded, 't'))).toBe(toHex(data));
      }),
    );
    const padded = padToSize(new Uint8Array([1, 2]), 64);
    padded[60] = 1;
    expect(() => unpad(padded, 't')).toThrow(/padding/);
    // Any single non-zero byte of padding, at any alignment, at either end or in the middle.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 255 }),
        (offset, at, value) => {
          const backing = new Uint8Array(offset + 136);
          const view = backing.subarray(offset, offset + 128);
          view.set(padToSize(new Uint8Array([7]), 128));
          view[Math.min(127, 5 + at)] = value;
          expect(() => unpad(view, 't')).toThrow(/padding/);
        },
      ),
    );
    const lying = padToSize(new Uint8Array([1]), 64);
    lying[3] = 200;
    expect(() => unpad(lying, 't')).toThrow(/padding/);
  });
});

describe('file chunks', () => {
  const key = nativeSuite.randomBytes(32);
  const fileId = nativeSuite.randomBytes(16);

  it("derives each chunk's deletion secret from the file key as PROTOCOL.md §6 writes it, different per chunk, file and key", async () => {
    const secrets = [0, 1, 2, 1024].map((i) => toHex(chunkDeleteSecret(key, fileId, i)));
    expect(new Set(secrets).size).toBe(4);
    for (const [n, i] of [0, 1, 2, 1024].entries()) {
      const info = concatBytes(utf8Encode('circle/v1/chunk-delete'), u32(i));
      expect(toHex(await nativeSuite.hkdfSha256(key, fileId, info, 32))).toBe(secrets[n]);
    }
    expect(toHex(chunkDeleteSecret(key, nativeSuite.randomBytes(16), 0))).not.toBe(secrets[0]);
    expect(toHex(chunkDeleteSecret(nativeSuite.randomBytes(32), fileId, 0))).not.toBe(secrets[0]);
    expect(await errorCodeOf(async () => chunkDeleteSecret(key.subarray(1), fileId, 0))).toBe(ErrorCode.BadRequest);
  });

  it('seal into exact 64 KiB frames and open back to the same bytes, for any size', async () => {
    for (const size of [0, 1, CHUNK_CAPACITY, CHUNK_CAPACITY + 1, 3 * CHUNK_CAPACITY + 123]) {
      const file = nativeSuite.randomBytes(size);
      const { frames, digest } = await sealFile(file, key, fileId);
      expect(frames.length).toBe(countFileChunks(file.length));
      expect(frames.every((f) => isFrame(f, BLOB_BYTES))).toBe(true);
      expect(toHex(await openFile(frames, key, fileId, digest))).toBe(toHex(file));
    }
  });

  it('detect a flipped byte, a swapped order, a dropped chunk and another file id', async () => {
    const { frames, digest } = await sealFile(nativeSuite.randomBytes(2 * CHUNK_CAPACITY + 1), key, fileId);
    const cipher = await FileCipher.create(key, fileId);
    const flipped = frames[0]!.slice();
    flipped[5000]! ^= 1;
    expect(await errorCodeOf(() => cipher.openChunk(flipped, 0))).toBe(ErrorCode.IntegrityFailure);
    expect(await errorCodeOf(() => openFile([frames[1]!, frames[0]!, frames[2]!], key, fileId, digest))).toBe(ErrorCode.IntegrityFailure);
    expect(await errorCodeOf(() => openFile([frames[0]!, frames[1]!], key, fileId, digest))).toBe(ErrorCode.IntegrityFailure);
    expect(await errorCodeOf(() => openFile([frames[0]!, frames[1]!, frames[2]!], key, nativeSuite.randomBytes(16), digest))).toBe(
      ErrorCode.IntegrityFailure,
    );
  });

  it('reject frames sealed by another holder of the key that the manifest did not commit to', async () => {
    const { frames, digest } = await sealFile(nativeSuite.randomBytes(100), key, fileId);
    const other = await sealFile(nativeSuite.randomBytes(100), key, fileId);
    expect(frames).toHaveLength(1);
    expect(await errorCodeOf(() => openFile(other.frames, key, fileId, digest))).toBe(ErrorCode.IntegrityFailure);
  });
});

/**
 * What an honest envelope's E always is: the u-coordinate of a Curve25519 point (never its
 * twist) in the prime-order subgroup. Checked on the birationally equivalent Edwards curve,
 * y = (u - 1) / (u + 1): decoding y fails for a twist point.
 */
function isPrimeOrderCurvePoint(u: Uint8Array): boolean {
  const Fp = ed25519.Point.Fp;
  const uu = Fp.create(bytesToNumberLE(u));
  if (Fp.is0(Fp.add(uu, Fp.ONE))) return false;
  const y = Fp.mul(Fp.sub(uu, Fp.ONE), Fp.inv(Fp.add(uu, Fp.ONE)));
  try {
    const point = ed25519.Point.fromBytes(numberToBytesLE(y, 32));
    return !point.isSmallOrder() && point.isTorsionFree();
  } catch {
    return false;
  }
}

describe.each([nativeSuite, webCryptoSuite, referenceSuite])('file chunk R on the $name suite (§6.1)', (suite) => {
  it("is what an envelope's E is: a point of the prime-order subgroup, so no curve check tells a chunk from a message", async () => {
    const count = suite === referenceSuite ? 8 : 64;
    const cipher = await FileCipher.create(nativeSuite.randomBytes(32), nativeSuite.randomBytes(16), suite);
    const frames = await Promise.all(Array.from({ length: count }, (_, i) => cipher.sealChunk(nativeSuite.randomBytes(100), i)));
    const rs = frames.map((f) => f.subarray(1, 33));
    expect(rs.every(isPrimeOrderCurvePoint)).toBe(true);
    expect(new Set(rs.map(toHex)).size).toBe(count);
    const { ephemeralPublicKey } = await suite.agreeOneUseKey(await suite.x25519PublicKey(nativeSuite.randomBytes(32)), utf8Encode('test'));
    expect(isPrimeOrderCurvePoint(ephemeralPublicKey)).toBe(true);
    // The check has teeth: most random 32-byte strings (v1's R before this revision) fail it.
    const random = Array.from({ length: 64 }, () => nativeSuite.randomBytes(32));
    expect(random.filter(isPrimeOrderCurvePoint).length).toBeLessThan(20);
  });
});

describe('replay and reorder detection', () => {
  it('flags a repeated message id as duplicate and a lower counter as reordered', () => {
    const guard = new ReplayGuard();
    expect(guard.check('alice', 'm1', 10n)).toBe('fresh');
    expect(guard.check('alice', 'm1', 10n)).toBe('duplicate');
    expect(guard.check('alice', 'm2', 5n)).toBe('reordered');
    expect(guard.check('bob', 'm2', 5n)).toBe('fresh');
  });

  it('sender counters strictly increase even within one millisecond', () => {
    const c = new SendCounter();
    const a = c.next(1000);
    const b = c.next(1000);
    const d = c.next(999);
    expect(b > a && d > b).toBe(true);
  });
});
