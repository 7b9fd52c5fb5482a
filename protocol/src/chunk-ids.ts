/**
 * File chunk blob ids the recipient recognises without downloading the blob
 * (docs/PROTOCOL.md §6.2), so syncing a mailbox skips file chunks: they are fetched when the
 * file is opened. Each pair of members shares a tag key
 *
 *   K = HKDF-SHA-256(ikm = X25519(a, B), salt = min(A, B) || max(A, B), info = 'circle/v1/chunk-id', 32)
 *
 * (A, B: the two X25519 public keys, ordered bytewise). A chunk id is a UUID v4 whose first
 * 8 bytes n are random (version nibble set) and whose last 8 bytes are HMAC-SHA-256(K, n)[0..8]
 * with the UUID variant bits set: 62 bits of tag. To the relay the ids stay random; the
 * recipient tries each roster member's K.
 *
 * @example
 *   const key = await chunkTagKey(me.x25519SecretKey, me.x25519PublicKey, peer.x25519PublicKey);
 *   const id = chunkBlobId(key); // sender
 *   isChunkBlobId(id, [key]);     // recipient: true
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { compareBytes, concatBytes, equalBytes, fromHex, toHex } from './bytes.js';
import { nativeSuite } from './crypto/native.js';
import type { CryptoSuite } from './crypto/suite.js';
import { BLOB_ID_PATTERN } from './events.js';
import { LABEL } from './labels.js';

const NONCE_BYTES = 8;

/** The tag key I share with one other member; both sides compute the same bytes. Throws BadPublicKey for a low-order key. */
export async function chunkTagKey(
  mySecretKey: Uint8Array,
  myPublicKey: Uint8Array,
  theirPublicKey: Uint8Array,
  suite: CryptoSuite = nativeSuite,
): Promise<Uint8Array> {
  const shared = await suite.x25519SharedSecret(mySecretKey, theirPublicKey);
  const [low, high] = compareBytes(myPublicKey, theirPublicKey) <= 0 ? [myPublicKey, theirPublicKey] : [theirPublicKey, myPublicKey];
  return hkdf(sha256, shared, concatBytes(low, high), LABEL.chunkId, 32);
}

/** The 8 tag bytes for nonce `n`, with the UUID variant bits (10xx xxxx) in the first. */
function tagOf(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  const tag = hmac(sha256, key, nonce).subarray(0, 8);
  tag[0] = (tag[0]! & 0x3f) | 0x80;
  return tag;
}

function formatUuid(bytes: Uint8Array): string {
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fresh chunk blob id for a file sent to the member whose tag key this is. */
export function chunkBlobId(key: Uint8Array): string {
  const nonce = nativeSuite.randomBytes(NONCE_BYTES);
  nonce[6] = (nonce[6]! & 0x0f) | 0x40; // UUID version 4
  return formatUuid(concatBytes(nonce, tagOf(key, nonce)));
}

/** True when `id` is a chunk id made with one of `keys`. Anything else (a message, a malformed id) is false. */
export function isChunkBlobId(id: string, keys: readonly Uint8Array[]): boolean {
  if (!BLOB_ID_PATTERN.test(id)) return false;
  const bytes = fromHex(id.replaceAll('-', ''));
  const nonce = bytes.subarray(0, NONCE_BYTES);
  const tag = bytes.subarray(NONCE_BYTES);
  return keys.some((key) => equalBytes(tagOf(key, nonce), tag));
}
