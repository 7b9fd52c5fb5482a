/** @circle/protocol: pure, isomorphic formats and crypto shared by relay and clients. No I/O. */
export * from './errors.js';
export * from './bytes.js';
export * from './concurrency.js';
export * from './labels.js';
export * from './crypto/suite.js';
export { nativeSuite, webCryptoSuite } from './crypto/native.js';
export { referenceSuite } from './crypto/reference.js';
export * from './roster.js';
export * from './identity-file.js';
export * from './blob.js';
export * from './envelope.js';
export * from './device.js';
export * from './prekey.js';
export * from './envelope-v2.js';
export {
  ML_KEM_CIPHERTEXT_BYTES,
  ML_KEM_PUBLIC_KEY_BYTES,
  ML_KEM_SECRET_KEY_BYTES,
  ML_KEM_SEED_BYTES,
  isMlKemPublicKey,
} from './crypto/ml-kem.js';
export * from './file-chunks.js';
export * from './chunk-ids.js';
export * from './relay-auth.js';
export * from './device-mailbox.js';
export * from './expiry.js';
export * from './freshness.js';
export * from './safety-number.js';
export * from './replay-guard.js';
export * from './events.js';
export * from './keys.js';
export * from './content.js';
export * from './relay-url.js';
