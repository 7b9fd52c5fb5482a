/**
 * The primitives Circle is built from, behind one interface with two implementations:
 * `nativeSuite` (WebCrypto: OpenSSL in Node, BoringSSL in Chromium) for every hot path,
 * and `referenceSuite` (@noble) as the portable oracle the tests check it against.
 *
 * Both MUST produce identical bytes for identical inputs: X25519 (RFC 7748),
 * Ed25519 (RFC 8032, strict verification), HKDF-SHA-256 (RFC 5869), AES-256-GCM (SP 800-38D).
 * ML-KEM-768 (FIPS 203) exists only in @noble/post-quantum: both suites share `ml-kem.ts`.
 */
export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const AES_KEY_BYTES = 32;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

/** An imported AES-256-GCM key, reused across many seals with distinct nonces (file chunks). */
export interface AesGcmKey {
  /**
   * Takes its own copy of `plaintext` and `aad` before it returns (WebCrypto's rule: "get a
   * copy of the bytes held by" each argument), so the caller may reuse them at once.
   */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Throws `CircleError(EnvelopeInvalid)` on any authentication failure. */
  open(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

/** An AES-256-GCM key that seals exactly one message, so its nonce is fixed at zero. */
export interface OneUseKey {
  seal(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Throws `CircleError(EnvelopeInvalid)` on any authentication failure. */
  open(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

/**
 * One-use key agreement used by envelopes:
 *   k = HKDF-SHA-256(ikm = X25519(e, R), salt = E || R, info, 32),  nonce = 0^12.
 */
export interface OneUseAgreement {
  ephemeralPublicKey: Uint8Array;
  key: OneUseKey;
}

export const ZERO_NONCE = new Uint8Array(GCM_NONCE_BYTES);

/** A fresh X25519 key pair whose secret never leaves the suite and agrees exactly once. */
export interface X25519Ephemeral {
  publicKey: Uint8Array;
  /** X25519(e, peer); rejects low-order and malformed keys with `CircleError(BadPublicKey)`. */
  agree(peerPublicKey: Uint8Array): Promise<Uint8Array>;
}

export interface CryptoSuite {
  readonly name: 'native' | 'webcrypto' | 'reference';
  randomBytes(length: number): Uint8Array;
  sha256(data: Uint8Array): Promise<Uint8Array>;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  /** AES-256-GCM; returns ciphertext || 16-byte tag. */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** AES-256-GCM; throws `CircleError(EnvelopeInvalid)` on any authentication failure. */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Imports `key` once for many operations. */
  aesGcmKey(key: Uint8Array): Promise<AesGcmKey>;
  x25519PublicKey(secretKey: Uint8Array): Promise<Uint8Array>;
  /** The public key of a fresh X25519 pair whose secret is discarded (a file chunk's R, §6.1). */
  x25519ThrowawayPublicKey(): Promise<Uint8Array>;
  /** A fresh ephemeral key pair for one v2 envelope (§5.2). */
  x25519Ephemeral(): Promise<X25519Ephemeral>;
  /** Sender side: a fresh ephemeral key (or `ephemeralSecret`, for tests) agreed with recipient key R. */
  agreeOneUseKey(recipientPublicKey: Uint8Array, info: Uint8Array, ephemeralSecret?: Uint8Array): Promise<OneUseAgreement>;
  /** Recipient side: the same key from our secret r, our public R and the sender's ephemeral E. */
  acceptOneUseKey(secretKey: Uint8Array, publicKey: Uint8Array, ephemeralPublicKey: Uint8Array, info: Uint8Array): Promise<OneUseKey>;
  /** Rejects low-order and malformed public keys with `CircleError(BadPublicKey)`. */
  x25519SharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>;
  ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array>;
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  /** Strict RFC 8032 verification (no ZIP-215 leniency); false on any malformed input. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}
