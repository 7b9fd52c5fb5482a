/**
 * Safety numbers (docs/PROTOCOL.md §9): 60 digits that two members compare in person. They
 * cover every key that authenticates a member: both members' identity Ed25519 keys (which
 * certify their devices and log in to the relay) and identity X25519 keys, ordered by the
 * Ed25519 key so both sides compute the same number. Devices are not in the number (they come
 * and go): the verify dialog lists each device's fingerprint beside it.
 *
 *   d = SHA-512('circle/v2/safety-number' || lo.ed25519 || lo.x25519 || hi.ed25519 || hi.x25519)
 *   12 groups of 5 digits, group g = d[5g .. 5g+5) as a 40-bit integer mod 100000
 *
 * @example
 *   safetyNumber(alice, bob)          // "04817 33920 ..." (Members from the pinned roster)
 *   deviceFingerprint(device.record)  // "51234 00917 66210 ..." (6 groups)
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { compareBytes, concatBytes } from './bytes.js';
import { KEY_BYTES } from './crypto/suite.js';
import type { DeviceRecord } from './device.js';
import { CircleError, ErrorCode } from './errors.js';
import { LABEL } from './labels.js';

export const SAFETY_NUMBER_GROUPS = 12;
export const DEVICE_FINGERPRINT_GROUPS = 6;

/** The keys a safety number covers (a roster `Member` has them). */
export interface MemberKeysPublic {
  ed25519PublicKey: Uint8Array;
  x25519PublicKey: Uint8Array;
}

function digitGroups(digest: Uint8Array, groups: number): string {
  const out: string[] = [];
  for (let g = 0; g < groups; g++) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + digest[g * 5 + i]!;
    out.push(String(n % 100_000).padStart(5, '0'));
  }
  return out.join(' ');
}

export function safetyNumber(a: MemberKeysPublic, b: MemberKeysPublic): string {
  for (const k of [a.ed25519PublicKey, a.x25519PublicKey, b.ed25519PublicKey, b.x25519PublicKey]) {
    if (k.length !== KEY_BYTES) throw new CircleError(ErrorCode.BadPublicKey, 'safety-number', 'keys must be 32 bytes');
  }
  const [low, high] = compareBytes(a.ed25519PublicKey, b.ed25519PublicKey) <= 0 ? [a, b] : [b, a];
  const digest = sha512(
    concatBytes(LABEL.safetyNumberV2, low.ed25519PublicKey, low.x25519PublicKey, high.ed25519PublicKey, high.x25519PublicKey),
  );
  return digitGroups(digest, SAFETY_NUMBER_GROUPS);
}

/** 30 digits naming one device: its member, id and both device keys. */
export function deviceFingerprint(r: DeviceRecord): string {
  return digitGroups(
    sha256(concatBytes(LABEL.deviceFingerprint, r.memberKey, r.deviceId, r.x25519PublicKey, r.ed25519PublicKey)),
    DEVICE_FINGERPRINT_GROUPS,
  );
}
