/**
 * Ed25519 verification under Circle's one rule (docs/PROTOCOL.md §2): strict RFC 8032 §5.1.7
 * with the cofactorless equation, as OpenSSL and BoringSSL (the native suites) check it:
 *
 *   A and R canonical encodings, A not of small order, S < L,
 *   k = SHA-512(R || A || M) mod L,  encode([S]B - [k]A) == R (byte for byte).
 *
 * @noble's own verify is cofactored (it clears the cofactor before comparing), which accepts
 * an R carrying a small-order component that the native path rejects. The reference suite
 * uses this function so that both suites give the same answer for every input.
 *
 * @example
 *   verifyEd25519Strict(publicKey, message, signature) // boolean, never throws
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes } from '../bytes.js';
import { KEY_BYTES, SIGNATURE_BYTES } from './suite.js';

const { Point } = ed25519;
const L = Point.Fn.ORDER;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

export function verifyEd25519Strict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  const rBytes = signature.subarray(0, 32);
  const s = littleEndian(signature.subarray(32));
  if (s >= L) return false;
  try {
    const a = Point.fromBytes(publicKey, false);
    Point.fromBytes(rBytes, false); // canonical R, or reject
    if (a.isSmallOrder()) return false;
    const k = littleEndian(sha512(concatBytes(rBytes, publicKey, message))) % L;
    const expectedR = Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
    return equalBytes(expectedR.toBytes(), rBytes);
  } catch {
    return false;
  }
}
