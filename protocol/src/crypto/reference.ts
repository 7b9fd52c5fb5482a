/** The @noble reference suite: slow, portable, and the oracle for `nativeSuite`. */
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { concatBytes, isAllZero } from '../bytes.js';
import { CircleError, ErrorCode } from '../errors.js';
import { verifyEd25519Strict } from './ed25519-strict.js';
import { AES_KEY_BYTES, KEY_BYTES, ZERO_NONCE, type CryptoSuite, type OneUseKey } from './suite.js';

function oneUseKey(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): OneUseKey {
  const key = hkdf(sha256, ikm, salt, info, AES_KEY_BYTES);
  return {
    seal: (plaintext, aad) => referenceSuite.aesGcmSeal(key, ZERO_NONCE, plaintext, aad),
    open: (sealed, aad) => referenceSuite.aesGcmOpen(key, ZERO_NONCE, sealed, aad),
  };
}

export const referenceSuite: CryptoSuite = {
  name: 'reference',
  randomBytes: (length) => randomBytes(length),
  sha256: async (data) => sha256(data),
  hkdfSha256: async (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  aesGcmSeal: async (key, nonce, plaintext, aad) => gcm(key, nonce, aad).encrypt(plaintext),
  aesGcmOpen: async (key, nonce, sealed, aad) => {
    try {
      return gcm(key, nonce, aad).decrypt(sealed);
    } catch {
      throw new CircleError(ErrorCode.EnvelopeInvalid, 'aes-gcm', 'authentication failed');
    }
  },
  aesGcmKey: async (key) => ({
    seal: (nonce, plaintext, aad) => referenceSuite.aesGcmSeal(key, nonce, plaintext, aad),
    open: (nonce, sealed, aad) => referenceSuite.aesGcmOpen(key, nonce, sealed, aad),
  }),
  x25519PublicKey: async (secretKey) => x25519.getPublicKey(secretKey),
  x25519ThrowawayPublicKey: async () => x25519.getPublicKey(randomBytes(KEY_BYTES)),
  x25519Ephemeral: async () => {
    let secret: Uint8Array | undefined = randomBytes(KEY_BYTES);
    const publicKey = x25519.getPublicKey(secret);
    return {
      publicKey,
      agree: async (peer) => {
        if (!secret) throw new CircleError(ErrorCode.Internal, 'x25519', 'an ephemeral key agrees only once');
        const s = secret;
        secret = undefined;
        return referenceSuite.x25519SharedSecret(s, peer);
      },
    };
  },
  agreeOneUseKey: async (recipientPublicKey, info, ephemeralSecret = randomBytes(KEY_BYTES)) => {
    const ephemeralPublicKey = x25519.getPublicKey(ephemeralSecret);
    const shared = await referenceSuite.x25519SharedSecret(ephemeralSecret, recipientPublicKey);
    return { ephemeralPublicKey, key: oneUseKey(shared, concatBytes(ephemeralPublicKey, recipientPublicKey), info) };
  },
  acceptOneUseKey: async (secretKey, publicKey, ephemeralPublicKey, info) => {
    const shared = await referenceSuite.x25519SharedSecret(secretKey, ephemeralPublicKey);
    return oneUseKey(shared, concatBytes(ephemeralPublicKey, publicKey), info);
  },
  x25519SharedSecret: async (secretKey, publicKey) => {
    let shared: Uint8Array;
    try {
      if (publicKey.length !== KEY_BYTES) throw new Error('length');
      shared = x25519.getSharedSecret(secretKey, publicKey);
    } catch {
      throw new CircleError(ErrorCode.BadPublicKey, 'x25519', 'public key rejected (malformed or low order)');
    }
    if (isAllZero(shared)) {
      throw new CircleError(ErrorCode.BadPublicKey, 'x25519', 'public key rejected (malformed or low order)');
    }
    return shared;
  },
  ed25519PublicKey: async (seed) => ed25519.getPublicKey(seed),
  ed25519Sign: async (seed, message) => ed25519.sign(message, seed),
  ed25519Verify: async (publicKey, message, signature) => verifyEd25519Strict(publicKey, message, signature),
};
