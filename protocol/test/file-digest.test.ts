import { ecb } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { CHUNK_CAPACITY, CircleError, ErrorCode, FRAME_HEADER_BYTES, nativeSuite, openFile, sealFile } from '../src/index.js';

// GCM tags are linear in the ciphertext: whoever holds the key knows H = AES_K(0^128) and can
// change two ciphertext blocks so that GHASH, and so the tag, stays the same. The file digest
// must pin each frame's whole content, not only its tag (docs/PROTOCOL.md §6).
const BLOCK = 16;
const R_POLY = 0xe1n << 120n;
const toBig = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).toString('hex'));
const fromBig = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(32, '0'), 'hex'));

/** GF(2^128) multiplication as GCM defines it (NIST SP 800-38D, algorithm 1). */
function gfMul(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127n; i >= 0n; i--) {
    if ((x >> i) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R_POLY : v >> 1n;
  }
  return z;
}

/** Alters ciphertext blocks j and j+1 of a frame so that its GCM tag is unchanged. */
function forgeUnderSameTag(frame: Uint8Array, fileKey: Uint8Array, block: number): Uint8Array {
  const h = toBig(ecb(fileKey, { disablePadding: true }).encrypt(new Uint8Array(BLOCK)));
  // Adjacent blocks are weighted H^(e+1) and H^e in GHASH: Δ_j·H^(e+1) = Δ_(j+1)·H^e when Δ_(j+1) = Δ_j·H.
  const deltaJ = 0x0123456789abcdefn;
  const deltaNext = gfMul(deltaJ, h);
  const forged = frame.slice();
  const at = FRAME_HEADER_BYTES + block * BLOCK;
  const xorAt = (offset: number, delta: bigint) => {
    const d = fromBig(delta);
    for (let i = 0; i < BLOCK; i++) forged[offset + i]! ^= d[i]!;
  };
  xorAt(at, deltaJ);
  xorAt(at + BLOCK, deltaNext);
  return forged;
}

describe('file digest', () => {
  it('refuses a chunk a key holder altered under the same GCM tag', async () => {
    const file = nativeSuite.randomBytes(CHUNK_CAPACITY);
    const fileKey = nativeSuite.randomBytes(32);
    const fileId = nativeSuite.randomBytes(16);
    const { frames, digest } = await sealFile(file, fileKey, fileId);
    const forged = forgeUnderSameTag(frames[0]!, fileKey, 10);
    expect(forged.subarray(-16)).toEqual(frames[0]!.subarray(-16)); // same tag
    const err = await openFile([forged], fileKey, fileId, digest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircleError);
    expect((err as CircleError).code).toBe(ErrorCode.IntegrityFailure);
  });

  it('still opens the untouched file', async () => {
    const file = nativeSuite.randomBytes(2 * CHUNK_CAPACITY + 5);
    const fileKey = nativeSuite.randomBytes(32);
    const fileId = nativeSuite.randomBytes(16);
    const { frames, digest } = await sealFile(file, fileKey, fileId);
    expect(await openFile(frames, fileKey, fileId, digest)).toEqual(file);
  });
});
