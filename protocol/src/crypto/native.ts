/**
 * The native suite: WebCrypto, present in Node >= 20 and in Chromium. Raw 32-byte
 * secrets enter WebCrypto as PKCS#8 (RFC 8410: a fixed 16-byte prefix + the key).
 * Imported keys are cached per byte array so a long-lived identity is imported once.
 * Where the runtime has Node's one-shot crypto (node-one-shot.ts), X25519, Ed25519 and an
 * envelope's single AES-GCM call run on the same imported keys without the thread-pool round
 * trip; file chunks stay on WebCrypto. `webCryptoSuite` is the same suite without the one-shot
 * path, as Chromium runs it, and is tested alongside.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64Url, isAllZero, toHex } from '../bytes.js';
import { CircleError, ErrorCode } from '../errors.js';
import { nodeOneShot, type OneShot } from './node-one-shot.js';
import {
  AES_KEY_BYTES,
  GCM_TAG_BYTES,
  KEY_BYTES,
  SIGNATURE_BYTES,
  ZERO_NONCE,
  type AesGcmKey,
  type CryptoSuite,
  type OneUseKey,
} from './suite.js';

const subtle = globalThis.crypto.subtle;

const PKCS8_PREFIX = {
  X25519: Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]),
  Ed25519: Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]),
} as const;

type Curve = keyof typeof PKCS8_PREFIX;
const privateKeyCache = { X25519: new WeakMap<Uint8Array, CryptoKey>(), Ed25519: new WeakMap<Uint8Array, CryptoKey>() };

// WebCrypto's types want ArrayBuffer-backed views; ours may be SharedArrayBuffer-free subarrays.
const buf = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;

async function importPrivate(curve: Curve, secret: Uint8Array): Promise<CryptoKey> {
  const cached = privateKeyCache[curve].get(secret);
  if (cached) return cached;
  if (secret.length !== KEY_BYTES) throw new CircleError(ErrorCode.BadRequest, curve, 'secret key must be 32 bytes');
  const usages: KeyUsage[] = curve === 'X25519' ? ['deriveBits'] : ['sign'];
  const key = await subtle.importKey('pkcs8', buf(concatBytes(PKCS8_PREFIX[curve], secret)), { name: curve }, true, usages);
  privateKeyCache[curve].set(secret, key);
  return key;
}

const publicKeyCache = new Map<string, CryptoKey>();
const PUBLIC_CACHE_LIMIT = 1024;

/** Imports a raw public key, caching by value (rosters are small; ephemeral keys are not cached). */
async function importPublic(curve: Curve, raw: Uint8Array, cache: boolean): Promise<CryptoKey> {
  const id = cache ? `${curve}:${toHex(raw)}` : '';
  const hit = cache ? publicKeyCache.get(id) : undefined;
  if (hit) return hit;
  const key = await subtle.importKey('raw', buf(raw), { name: curve }, false, curve === 'X25519' ? [] : ['verify']);
  if (cache) {
    if (publicKeyCache.size >= PUBLIC_CACHE_LIMIT) publicKeyCache.clear();
    publicKeyCache.set(id, key);
  }
  return key;
}

const strictKeyCache = new Map<string, boolean>();

/**
 * RFC 8032 strictness WebCrypto does not give: OpenSSL accepts non-canonical and small-order
 * public keys (the identity point with signature (identity, 0) verifies any message). The
 * point decoding is done once per key with @noble and cached.
 */
function isStrictEd25519PublicKey(publicKey: Uint8Array): boolean {
  const id = toHex(publicKey);
  let ok = strictKeyCache.get(id);
  if (ok === undefined) {
    try {
      ok = !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
    } catch {
      ok = false;
    }
    if (strictKeyCache.size >= PUBLIC_CACHE_LIMIT) strictKeyCache.clear();
    strictKeyCache.set(id, ok);
  }
  return ok;
}

const lowOrderRejected = () => new CircleError(ErrorCode.BadPublicKey, 'x25519', 'public key rejected (malformed or low order)');

async function deriveX25519(
  privateKey: CryptoKey,
  publicKey: Uint8Array,
  cache: boolean,
  oneShot: OneShot | undefined,
): Promise<Uint8Array> {
  if (publicKey.length !== KEY_BYTES) throw lowOrderRejected();
  let shared: Uint8Array;
  try {
    const pub = await importPublic('X25519', publicKey, cache);
    shared = oneShot
      ? oneShot.x25519(privateKey, pub)
      : new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pub }, privateKey, 256));
  } catch {
    throw lowOrderRejected();
  }
  if (isAllZero(shared)) throw lowOrderRejected();
  return shared;
}

interface EphemeralPair {
  privateKey: CryptoKey;
  publicKey: Uint8Array;
}

/**
 * Fresh ephemeral X25519 pairs made ahead of need, so generating one is off the send path.
 * Each pair is handed out exactly once and never kept after that.
 */
const EPHEMERAL_POOL_SIZE = 8;
const ephemeralPool: EphemeralPair[] = [];
let refilling = false;

async function generateEphemeral(): Promise<EphemeralPair> {
  const pair = (await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, publicKey: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)) };
}

/** Refills after the current task: key generation must not compete with the seal that took a pair. */
function refillEphemeralPool(): void {
  if (refilling) return;
  refilling = true;
  setTimeout(() => void refill().catch(() => undefined), 0);
}

async function refill(): Promise<void> {
  try {
    while (ephemeralPool.length < EPHEMERAL_POOL_SIZE) ephemeralPool.push(await generateEphemeral());
  } finally {
    refilling = false;
  }
}

async function takeEphemeral(): Promise<EphemeralPair> {
  const pair = ephemeralPool.pop() ?? (await generateEphemeral());
  refillEphemeralPool();
  return pair;
}

/** WebCrypto's AES-GCM parameters for one call. */
const gcmParams = (nonce: Uint8Array, aad: Uint8Array) => ({
  name: 'AES-GCM',
  iv: buf(nonce),
  additionalData: buf(aad),
  tagLength: GCM_TAG_BYTES * 8,
});
const authenticationFailed = () => new CircleError(ErrorCode.EnvelopeInvalid, 'aes-gcm', 'authentication failed');

/** A raw AES-256 key imported once into WebCrypto, sealing and opening with any nonce. */
async function importAesGcmKey(key: Uint8Array): Promise<AesGcmKey> {
  const k = await subtle.importKey('raw', buf(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
  return {
    seal: async (nonce, plaintext, aad) => new Uint8Array(await subtle.encrypt(gcmParams(nonce, aad), k, buf(plaintext))),
    open: async (nonce, sealed, aad) => {
      try {
        return new Uint8Array(await subtle.decrypt(gcmParams(nonce, aad), k, buf(sealed)));
      } catch {
        throw authenticationFailed();
      }
    },
  };
}

/**
 * X25519 -> HKDF -> AES-GCM. The key is derived in the background: the handle is returned
 * at once so the caller can sign in parallel, and seal/open wait for it. A low-order peer key
 * (all-zero shared secret) surfaces as BadPublicKey.
 */
function oneUseKey(
  privateKey: CryptoKey,
  peerPublicKey: Uint8Array,
  cachePeer: boolean,
  salt: Uint8Array,
  info: Uint8Array,
  oneShot: OneShot | undefined,
): OneUseKey {
  const aesKey = (async () => {
    const shared = await deriveX25519(privateKey, peerPublicKey, cachePeer, oneShot);
    // HKDF over 32 bytes is key schedule, not bulk work: in JS it takes ~0.02 ms, two
    // WebCrypto round trips ~0.1 ms (docs/decisions/2026-11-22-native-crypto-path.md).
    const okm = hkdf(sha256, shared, salt, info, AES_KEY_BYTES);
    return subtle.importKey('raw', buf(okm), 'AES-GCM', false, ['encrypt', 'decrypt']);
  })();
  aesKey.catch(() => undefined); // observed by seal/open; avoid an unhandled rejection meanwhile
  return {
    seal: async (plaintext, aad) => {
      const key = await aesKey;
      if (oneShot) return oneShot.aesGcmSeal(key, ZERO_NONCE, plaintext, aad);
      return new Uint8Array(await subtle.encrypt(gcmParams(ZERO_NONCE, aad), key, buf(plaintext)));
    },
    open: async (sealed, aad) => {
      const key = await aesKey;
      try {
        if (oneShot) return oneShot.aesGcmOpen(key, ZERO_NONCE, sealed, aad);
        return new Uint8Array(await subtle.decrypt(gcmParams(ZERO_NONCE, aad), key, buf(sealed)));
      } catch {
        throw authenticationFailed();
      }
    },
  };
}

async function publicFromPrivate(curve: Curve, secret: Uint8Array): Promise<Uint8Array> {
  const jwk = await subtle.exportKey('jwk', await importPrivate(curve, secret));
  if (!jwk.x) throw new CircleError(ErrorCode.Internal, curve, 'public key unavailable');
  return fromBase64Url(jwk.x);
}

function createNativeSuite(name: 'native' | 'webcrypto', oneShot: OneShot | undefined): CryptoSuite {
  return {
    name,
    randomBytes: (length) => {
      // getRandomValues fills at most 65,536 bytes per call.
      const out = new Uint8Array(length);
      for (let offset = 0; offset < length; offset += 65_536) globalThis.crypto.getRandomValues(out.subarray(offset, offset + 65_536));
      return out;
    },
    sha256: async (data) => new Uint8Array(await subtle.digest('SHA-256', buf(data))),
    hkdfSha256: async (ikm, salt, info, length) => {
      const key = await subtle.importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
      const bits = await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(info) }, key, length * 8);
      return new Uint8Array(bits);
    },
    // One call under a raw key: in Node, one-shot on the calling thread (an envelope's body);
    // elsewhere WebCrypto.
    aesGcmSeal: async (key, nonce, plaintext, aad) =>
      oneShot ? oneShot.aesGcmSeal(key, nonce, plaintext, aad) : (await importAesGcmKey(key)).seal(nonce, plaintext, aad),
    aesGcmOpen: async (key, nonce, sealed, aad) => {
      if (!oneShot) return (await importAesGcmKey(key)).open(nonce, sealed, aad);
      try {
        return oneShot.aesGcmOpen(key, nonce, sealed, aad);
      } catch {
        throw authenticationFailed();
      }
    },
    aesGcmKey: importAesGcmKey,
    x25519PublicKey: (secretKey) => publicFromPrivate('X25519', secretKey),
    x25519ThrowawayPublicKey: async () => oneShot?.x25519ThrowawayPublicKey() ?? (await generateEphemeral()).publicKey,
    x25519Ephemeral: async () => {
      // In Node, a synchronous OpenSSL pair: no thread-pool round trip on the send path.
      const sync = oneShot?.x25519Ephemeral();
      const pair = sync ? undefined : await takeEphemeral();
      let used = false;
      return {
        publicKey: sync?.publicKey ?? pair!.publicKey,
        agree: async (peer) => {
          if (used) throw new CircleError(ErrorCode.Internal, 'x25519', 'an ephemeral key agrees only once');
          used = true;
          if (!sync) return deriveX25519(pair!.privateKey, peer, true, undefined);
          if (peer.length !== KEY_BYTES) throw lowOrderRejected();
          let shared: Uint8Array;
          try {
            shared = sync.agree(peer);
          } catch {
            throw lowOrderRejected();
          }
          if (isAllZero(shared)) throw lowOrderRejected();
          return shared;
        },
      };
    },
    agreeOneUseKey: async (recipientPublicKey, info, ephemeralSecret) => {
      if (recipientPublicKey.length !== KEY_BYTES) throw lowOrderRejected();
      let privateKey: CryptoKey;
      let ephemeralPublicKey: Uint8Array;
      if (ephemeralSecret) {
        privateKey = await importPrivate('X25519', ephemeralSecret);
        ephemeralPublicKey = await publicFromPrivate('X25519', ephemeralSecret);
      } else {
        const pair = await takeEphemeral();
        privateKey = pair.privateKey;
        ephemeralPublicKey = pair.publicKey;
      }
      const salt = concatBytes(ephemeralPublicKey, recipientPublicKey);
      return { ephemeralPublicKey, key: oneUseKey(privateKey, recipientPublicKey, true, salt, info, oneShot) };
    },
    acceptOneUseKey: async (secretKey, publicKey, ephemeralPublicKey, info) =>
      oneUseKey(
        await importPrivate('X25519', secretKey),
        ephemeralPublicKey,
        false,
        concatBytes(ephemeralPublicKey, publicKey),
        info,
        oneShot,
      ),
    // Peer keys arriving in envelopes are ephemeral: not cached.
    x25519SharedSecret: async (secretKey, publicKey) => deriveX25519(await importPrivate('X25519', secretKey), publicKey, false, oneShot),
    ed25519PublicKey: (seed) => publicFromPrivate('Ed25519', seed),
    ed25519Sign: async (seed, message) => {
      const key = await importPrivate('Ed25519', seed);
      return oneShot ? oneShot.ed25519Sign(key, message) : new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, buf(message)));
    },
    ed25519Verify: async (publicKey, message, signature) => {
      if (publicKey.length !== KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
      if (!isStrictEd25519PublicKey(publicKey)) return false;
      try {
        const pub = await importPublic('Ed25519', publicKey, true);
        return oneShot
          ? oneShot.ed25519Verify(pub, message, signature)
          : await subtle.verify({ name: 'Ed25519' }, pub, buf(signature), buf(message));
      } catch {
        return false;
      }
    },
  };
}

/** WebCrypto, with Node's one-shot X25519, Ed25519 and envelope AES-GCM where the runtime has them. */
export const nativeSuite: CryptoSuite = createNativeSuite('native', nodeOneShot());
/** WebCrypto alone: what Chromium (the app's core worker) runs. */
export const webCryptoSuite: CryptoSuite = createNativeSuite('webcrypto', undefined);
