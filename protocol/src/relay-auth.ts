/**
 * Relay authentication (docs/PROTOCOL.md §7). The relay issues a fresh 32-byte challenge;
 * the client signs  'circle/v1/relay-auth' || u16 len || origin || challenge  with its
 * Ed25519 key. Binding the origin stops a malicious relay from replaying a member's
 * response to another relay; single-use challenges stop replays on the same relay.
 *
 * The relay identifies members only by `keyHash` (allowlist) and `mailboxAddress`
 * (where their blobs wait); neither reveals the key itself.
 *
 * @example
 *   const proof = await signRelayChallenge(seed, publicKey, challenge, 'https://relay.example');
 *   const ok = await verifyRelayChallenge(proof, challenge, 'https://relay.example');
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, toHex, utf8Encode } from './bytes.js';
import { nativeSuite } from './crypto/native.js';
import type { CryptoSuite } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';
import { LABEL } from './labels.js';

export const CHALLENGE_BYTES = 32;

/** Canonical origin (`scheme://host[:port]`) of a relay URL; the string both sides sign over. */
export function relayOrigin(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new CircleError(ErrorCode.BadRequest, 'relay-auth', `not an http(s) relay URL: ${url}`);
  }
  return parsed.origin;
}

function challengeMessage(challenge: Uint8Array, origin: string): Uint8Array {
  const o = utf8Encode(origin);
  return concatBytes(LABEL.relayAuth, Uint8Array.of(o.length >> 8, o.length & 0xff), o, challenge);
}

export interface RelayAuthProof {
  publicKey: Uint8Array;
  signature: Uint8Array;
}

export async function signRelayChallenge(
  seed: Uint8Array,
  publicKey: Uint8Array,
  challenge: Uint8Array,
  origin: string,
  suite: CryptoSuite = nativeSuite,
): Promise<RelayAuthProof> {
  return { publicKey, signature: await suite.ed25519Sign(seed, challengeMessage(challenge, relayOrigin(origin))) };
}

export async function verifyRelayChallenge(
  proof: RelayAuthProof,
  challenge: Uint8Array,
  origin: string,
  suite: CryptoSuite = nativeSuite,
): Promise<boolean> {
  if (challenge.length !== CHALLENGE_BYTES) return false;
  return suite.ed25519Verify(proof.publicKey, challengeMessage(challenge, relayOrigin(origin)), proof.signature);
}

/** Allowlist entry for a member's Ed25519 public key (hex, 64 chars). */
export const keyHash = (ed25519PublicKey: Uint8Array): string => toHex(sha256(concatBytes(LABEL.keyHash, ed25519PublicKey)));

/** Mailbox address for a key hash (hex, 32 chars): the only member-derived value stored beside a blob. */
export const mailboxAddressFromKeyHash = (hash: string): string =>
  toHex(sha256(concatBytes(LABEL.mailbox, utf8Encode(hash))).subarray(0, 16));

export const mailboxAddress = (ed25519PublicKey: Uint8Array): string => mailboxAddressFromKeyHash(keyHash(ed25519PublicKey));

/** The allowlist row for a key hash: the hash and the mailbox derived from it. */
export const allowlistEntry = (hash: string): { keyHash: string; mailbox: string } => ({
  keyHash: hash,
  mailbox: mailboxAddressFromKeyHash(hash),
});

/**
 * `deleteProofHash` of a blob: hex(SHA-256(deleteSecret)), the value a blob:put carries and a
 * blob:delete `proof` must hash to (§10.3). 32 bytes in, so hashed in JavaScript: a WebCrypto
 * round trip would cost more than the hash (docs/decisions/2026-11-22-native-crypto-path.md).
 */
export const deleteProofHash = (deleteSecret: Uint8Array): string => toHex(sha256(deleteSecret));
