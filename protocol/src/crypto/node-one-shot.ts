/**
 * Node's synchronous one-shot crypto (`node:crypto`, the same OpenSSL that backs Node's
 * WebCrypto), taken by `nativeSuite` where the runtime offers it: the headless client, bots,
 * the relay and the tests. It covers the per-message work: X25519 (~30 µs), Ed25519 sign
 * (~25 µs) and verify (~70 µs), the single AES-256-GCM call that seals or opens one 64 KiB
 * envelope (~55 µs), and the throwaway key pair behind each file chunk's R (~43 µs). Through
 * WebCrypto each of these also waits for a thread-pool round trip (~75 µs on an idle 2-core
 * machine, several times that on a busy one). File chunks' encryption, the bulk work, stays on
 * WebCrypto, whose thread pool runs it in parallel. Chromium has no such API, so the app's core
 * worker keeps WebCrypto for everything.
 * docs/decisions/2026-11-22-one-shot-per-message-crypto.md
 *
 * Looked up at run time (`process.getBuiltinModule`), never imported: `protocol/` is bundled
 * for the browser too.
 */
// eslint-disable-next-line no-restricted-imports -- a type-only import, erased when compiled: nothing of node:crypto is bundled
import type * as NodeCrypto from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../bytes.js';
import { GCM_TAG_BYTES } from './suite.js';

/** The same keys WebCrypto holds, operated on in the calling thread. */
export interface OneShot {
  /** Throws when OpenSSL refuses the pair (an all-zero result included). */
  x25519(privateKey: CryptoKey, publicKey: CryptoKey): Uint8Array;
  /** The public key of a fresh X25519 pair; the secret is never exported. */
  x25519ThrowawayPublicKey(): Uint8Array;
  /** A fresh X25519 pair that agrees with raw peer keys (throws when OpenSSL refuses the peer). */
  x25519Ephemeral(): { publicKey: Uint8Array; agree(peer: Uint8Array): Uint8Array };
  ed25519Sign(privateKey: CryptoKey, message: Uint8Array): Uint8Array;
  /** False (or a throw) for a signature that does not verify. */
  ed25519Verify(publicKey: CryptoKey, message: Uint8Array, signature: Uint8Array): boolean;
  /** AES-256-GCM; returns ciphertext || 16-byte tag. */
  aesGcmSeal(key: CryptoKey | Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** AES-256-GCM; throws on any authentication failure. */
  aesGcmOpen(key: CryptoKey | Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
}

interface MaybeNode {
  process?: { getBuiltinModule?: (id: string) => unknown };
}

const keyOf = (crypto: typeof NodeCrypto, key: CryptoKey | Uint8Array) => (key instanceof Uint8Array ? key : crypto.KeyObject.from(key));
const bytesOf = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function nodeOneShot(): OneShot | undefined {
  const crypto = (globalThis as MaybeNode).process?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
  if (!crypto?.KeyObject?.from || !crypto.diffieHellman) return undefined;
  const { KeyObject } = crypto;
  return {
    x25519: (privateKey, publicKey) =>
      new Uint8Array(crypto.diffieHellman({ privateKey: KeyObject.from(privateKey), publicKey: KeyObject.from(publicKey) })),
    x25519ThrowawayPublicKey: () => {
      const { x } = crypto.generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
      return fromBase64Url(x!);
    },
    x25519Ephemeral: () => {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('x25519');
      return {
        publicKey: fromBase64Url(publicKey.export({ format: 'jwk' }).x!),
        agree: (peer) =>
          new Uint8Array(
            crypto.diffieHellman({
              privateKey,
              publicKey: crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64Url(peer) }, format: 'jwk' }),
            }),
          ),
      };
    },
    ed25519Sign: (privateKey, message) => new Uint8Array(crypto.sign(null, message, KeyObject.from(privateKey))),
    ed25519Verify: (publicKey, message, signature) => crypto.verify(null, message, KeyObject.from(publicKey), signature),
    aesGcmSeal: (key, nonce, plaintext, aad) => {
      const cipher = crypto.createCipheriv('aes-256-gcm', keyOf(crypto, key), nonce, { authTagLength: GCM_TAG_BYTES });
      cipher.setAAD(aad);
      return bytesOf(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    },
    aesGcmOpen: (key, nonce, sealed, aad) => {
      if (sealed.length < GCM_TAG_BYTES) throw new Error('sealed data shorter than its tag');
      const decipher = crypto.createDecipheriv('aes-256-gcm', keyOf(crypto, key), nonce, { authTagLength: GCM_TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
      return bytesOf(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), decipher.final()]));
    },
  };
}
