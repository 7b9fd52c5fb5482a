import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BlobId,
  chunkBlobId,
  chunkTagKey,
  concatBytes,
  fromHex,
  generateMemberKeys,
  isChunkBlobId,
  nativeSuite,
  toHex,
  utf8Encode,
} from '../src/index.js';

const keysOf = async (name: string) => {
  const k = await generateMemberKeys(name);
  return { secret: k.x25519SecretKey, public: k.member.x25519PublicKey };
};

describe('file chunk ids (PROTOCOL.md §6.2)', () => {
  it('gives both members of a pair the same tag key, HKDF over their X25519 secret as written, and other pairs other keys', async () => {
    const [alice, bob, carol] = await Promise.all([keysOf('Alice'), keysOf('Bob'), keysOf('Carol')]);
    const ab = await chunkTagKey(alice.secret, alice.public, bob.public);
    expect(toHex(await chunkTagKey(bob.secret, bob.public, alice.public))).toBe(toHex(ab));
    expect(toHex(await chunkTagKey(alice.secret, alice.public, carol.public))).not.toBe(toHex(ab));
    const [low, high] = toHex(alice.public) < toHex(bob.public) ? [alice.public, bob.public] : [bob.public, alice.public];
    const shared = await nativeSuite.x25519SharedSecret(alice.secret, bob.public);
    expect(toHex(await nativeSuite.hkdfSha256(shared, concatBytes(low, high), utf8Encode('circle/v1/chunk-id'), 32))).toBe(toHex(ab));
  });

  it('makes UUID v4 ids the relay accepts, whose last 8 bytes are the HMAC tag of the first 8', async () => {
    const key = nativeSuite.randomBytes(32);
    for (let i = 0; i < 200; i++) {
      const id = chunkBlobId(key);
      expect(BlobId.safeParse(id).success, id).toBe(true);
      const bytes = fromHex(id.replaceAll('-', ''));
      const tag = createHmac('sha256', key).update(bytes.subarray(0, 8)).digest().subarray(0, 8);
      tag[0] = (tag[0]! & 0x3f) | 0x80;
      expect(toHex(bytes.subarray(8))).toBe(toHex(tag));
    }
  });

  it('recognises its own ids only under the right key, and never a random UUID or garbage', () => {
    const [mine, other] = [nativeSuite.randomBytes(32), nativeSuite.randomBytes(32)];
    const ids = Array.from({ length: 200 }, () => chunkBlobId(mine));
    expect(ids.every((id) => isChunkBlobId(id, [other, mine]))).toBe(true);
    expect(ids.some((id) => isChunkBlobId(id, [other]))).toBe(false);
    expect(ids.some((id) => isChunkBlobId(id, []))).toBe(false);
    const random = Array.from({ length: 2000 }, () => globalThis.crypto.randomUUID());
    expect(random.some((id) => isChunkBlobId(id, [mine, other]))).toBe(false);
    for (const junk of ['', 'not-a-uuid', ids[0]!.toUpperCase(), `${ids[0]!}0`, ids[0]!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))]) {
      expect(isChunkBlobId(junk, [mine]), junk).toBe(false);
    }
  });
});
