/**
 * ML-KEM-768 (FIPS 203), the post-quantum half of Circle v2's hybrid key agreement. Only
 * `@noble/post-quantum` implements it here (WebCrypto has no ML-KEM), so both suites call this
 * one wrapper. The randomness of key generation (64-byte seed d || z) and of encapsulation
 * (32-byte m) is always passed in: callers draw it from their suite's CSPRNG, and the known-answer
 * tests fix it.
 *
 * @example
 *   const { publicKey, secretKey } = mlKemKeyPair(suite.randomBytes(ML_KEM_SEED_BYTES));
 *   const { cipherText, sharedSecret } = mlKemEncapsulate(publicKey, suite.randomBytes(ML_KEM_MESSAGE_BYTES));
 *   mlKemDecapsulate(cipherText, secretKey); // === sharedSecret
 */
import { ml_kem768, type KEMPrepared } from '@noble/post-quantum/ml-kem.js';
import { equalBytes } from '../bytes.js';
import { CircleError, ErrorCode } from '../errors.js';

export const ML_KEM_PUBLIC_KEY_BYTES = 1184;
export const ML_KEM_SECRET_KEY_BYTES = 2400;
export const ML_KEM_CIPHERTEXT_BYTES = 1088;
export const ML_KEM_SHARED_SECRET_BYTES = 32;
export const ML_KEM_SEED_BYTES = 64;
export const ML_KEM_MESSAGE_BYTES = 32;

const Q = 3329;
/** The encoded vector t̂ (k = 3 polynomials of 256 12-bit coefficients) ahead of the 32-byte rho. */
const T_HAT_BYTES = 384 * 3;

const badKey = (message: string) => new CircleError(ErrorCode.BadPublicKey, 'ml-kem', message);

/**
 * FIPS 203 §7.2 input check: the right length, and every 12-bit coefficient of t̂ below q
 * (ByteEncode12(ByteDecode12(ek)) = ek). A key that fails it is refused before any use.
 */
export function isMlKemPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== ML_KEM_PUBLIC_KEY_BYTES) return false;
  for (let i = 0; i < T_HAT_BYTES; i += 3) {
    const [b0, b1, b2] = [publicKey[i]!, publicKey[i + 1]!, publicKey[i + 2]!];
    if ((b0 | ((b1 & 0x0f) << 8)) >= Q || ((b1 >> 4) | (b2 << 4)) >= Q) return false;
  }
  return true;
}

/** Deterministic key pair from a 64-byte seed (FIPS 203 ML-KEM.KeyGen_internal(d, z)). */
export function mlKemKeyPair(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  if (seed.length !== ML_KEM_SEED_BYTES) throw new CircleError(ErrorCode.BadRequest, 'ml-kem', 'an ML-KEM seed is 64 bytes');
  return ml_kem768.keygen(seed);
}

/**
 * Public keys expanded once (the matrix Â and t̂), per key array: a sender seals to the same
 * prekeys all day, and expansion is two thirds of an encapsulation. Public data only.
 */
const preparedKeys = new WeakMap<Uint8Array, KEMPrepared>();

function prepared(publicKey: Uint8Array): KEMPrepared {
  const hit = preparedKeys.get(publicKey);
  // The cache holds its own copy: a key array changed in place since is expanded again.
  if (hit && equalBytes(hit.publicKey, publicKey)) return hit;
  const fresh = ml_kem768.prepare(publicKey);
  preparedKeys.set(publicKey, fresh);
  return fresh;
}

/** Encapsulation to `publicKey` with the 32-byte randomness `m`; throws BadPublicKey for a malformed key. */
export function mlKemEncapsulate(publicKey: Uint8Array, m: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array } {
  if (!isMlKemPublicKey(publicKey)) throw badKey('ML-KEM-768 public key rejected (wrong length or a coefficient not below q)');
  if (m.length !== ML_KEM_MESSAGE_BYTES) throw new CircleError(ErrorCode.BadRequest, 'ml-kem', 'encapsulation randomness is 32 bytes');
  const { cipherText, sharedSecret } = prepared(publicKey).encapsulate(m);
  return { cipherText, sharedSecret: sharedSecret.slice() };
}

/**
 * Decapsulation. A wrong or altered ciphertext of the right length yields the implicit-rejection
 * secret (a value unrelated to the sender's), never an error: the AEAD that follows fails instead.
 */
export function mlKemDecapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (cipherText.length !== ML_KEM_CIPHERTEXT_BYTES || secretKey.length !== ML_KEM_SECRET_KEY_BYTES) {
    throw new CircleError(ErrorCode.BadRequest, 'ml-kem', 'wrong ML-KEM-768 ciphertext or secret key length');
  }
  try {
    return ml_kem768.decapsulate(cipherText, secretKey);
  } catch {
    throw new CircleError(ErrorCode.BadRequest, 'ml-kem', 'ML-KEM-768 secret key failed its hash check');
  }
}

/**
 * Bytes distributed like an ML-KEM-768 ciphertext to an unknown key, for frames that carry no
 * encapsulation (file chunks, §6.1): a ciphertext is Compress_du(u) || Compress_dv(v) with u, v
 * indistinguishable from uniform mod q (MLWE), so compressing uniform coefficients gives the same
 * distribution. Plain random bytes would not: 10-bit compression of Z_3329 makes 257 of the 1024
 * values a third likelier than the rest, visible in a single ciphertext.
 */
export function mlKemLookalikeCiphertext(randomBytes: (length: number) => Uint8Array): Uint8Array {
  const coefficients = new Uint16Array(256 * 4);
  let filled = 0;
  while (filled < coefficients.length) {
    const r = randomBytes(3 * 512);
    for (let i = 0; i + 3 <= r.length && filled < coefficients.length; i += 3) {
      const a = r[i]! | ((r[i + 1]! & 0x0f) << 8);
      const b = (r[i + 1]! >> 4) | (r[i + 2]! << 4);
      if (a < Q) coefficients[filled++] = a;
      if (b < Q && filled < coefficients.length) coefficients[filled++] = b;
    }
  }
  const out = new Uint8Array(ML_KEM_CIPHERTEXT_BYTES);
  let bitBuffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < coefficients.length; i++) {
    const d = i < 768 ? 10 : 4;
    // Compress_d(x) = round(2^d / q * x) mod 2^d (FIPS 203 §4.2.1)
    const c = Math.floor(((coefficients[i]! << d) + (Q >> 1)) / Q) & ((1 << d) - 1);
    bitBuffer |= c << bits;
    bits += d;
    while (bits >= 8) {
      out[o++] = bitBuffer & 0xff;
      bitBuffer >>>= 8;
      bits -= 8;
    }
  }
  return out;
}
