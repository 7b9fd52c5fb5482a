/**
 * Safety numbers (docs/PROTOCOL.md §9): 60 digits that two members compare in person.
 * SHA-512 over the label and both Ed25519 keys in byte order, so both sides compute the
 * same number; 12 groups of 5 digits, each from 5 hash bytes mod 100000.
 *
 * @example
 *   safetyNumber(alice.ed25519PublicKey, bob.ed25519PublicKey) // "04817 33920 ..."
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { compareBytes, concatBytes } from './bytes.js';
import { KEY_BYTES } from './crypto/suite.js';
import { CircleError, ErrorCode } from './errors.js';
import { LABEL } from './labels.js';

export const SAFETY_NUMBER_GROUPS = 12;

export function safetyNumber(a: Uint8Array, b: Uint8Array): string {
  if (a.length !== KEY_BYTES || b.length !== KEY_BYTES)
    throw new CircleError(ErrorCode.BadPublicKey, 'safety-number', 'keys must be 32 bytes');
  const [low, high] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  const digest = sha512(concatBytes(LABEL.safetyNumber, low, high));
  const groups: string[] = [];
  for (let g = 0; g < SAFETY_NUMBER_GROUPS; g++) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + digest[g * 5 + i]!;
    groups.push(String(n % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}
