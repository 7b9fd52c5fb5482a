/**
 * Node's synchronous X25519 and Ed25519 (`node:crypto`, the same OpenSSL that backs Node's
 * WebCrypto), taken by `nativeSuite` where the runtime offers them: the headless client, bots,
 * the relay and the tests. Each operation is 25–70 µs of work, and a WebCrypto call adds a
 * thread-pool round trip on top (~75 µs on an idle 2-core machine, several times that on a
 * busy one). Chromium has no such API, so the app's core worker keeps WebCrypto for these.
 * AES-GCM, the bulk work, stays on WebCrypto everywhere.
 * docs/decisions/2026-11-22-one-shot-asymmetric.md
 *
 * Looked up at run time (`process.getBuiltinModule`), never imported: `protocol/` is bundled
 * for the browser too.
 */
import type * as NodeCrypto from 'node:crypto';

/** The same keys WebCrypto holds, operated on in the calling thread. */
export interface OneShotAsymmetric {
  /** Throws when OpenSSL refuses the pair (an all-zero result included). */
  x25519(privateKey: CryptoKey, publicKey: CryptoKey): Uint8Array;
  ed25519Sign(privateKey: CryptoKey, message: Uint8Array): Uint8Array;
  /** False (or a throw) for a signature that does not verify. */
  ed25519Verify(publicKey: CryptoKey, message: Uint8Array, signature: Uint8Array): boolean;
}

interface MaybeNode {
  process?: { getBuiltinModule?: (id: string) => unknown };
}

export function nodeOneShot(): OneShotAsymmetric | undefined {
  const crypto = (globalThis as MaybeNode).process?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
  if (!crypto?.KeyObject?.from || !crypto.diffieHellman) return undefined;
  const { KeyObject } = crypto;
  return {
    x25519: (privateKey, publicKey) =>
      new Uint8Array(crypto.diffieHellman({ privateKey: KeyObject.from(privateKey), publicKey: KeyObject.from(publicKey) })),
    ed25519Sign: (privateKey, message) => new Uint8Array(crypto.sign(null, message, KeyObject.from(privateKey))),
    ed25519Verify: (publicKey, message, signature) => crypto.verify(null, message, KeyObject.from(publicKey), signature),
  };
}
