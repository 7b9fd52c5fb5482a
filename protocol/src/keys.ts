/**
 * Key generation for members and operators. Secrets come from WebCrypto's CSPRNG;
 * public keys are derived natively.
 *
 * @example
 *   const member = await generateMemberKeys('Alice');
 */
import { nativeSuite } from './crypto/native.js';
import { KEY_BYTES, type CryptoSuite } from './crypto/suite.js';
import type { Member } from './roster.js';
import type { IdentitySecrets } from './identity-file.js';

export interface MemberKeys extends IdentitySecrets {
  member: Member;
}

export async function generateMemberKeys(name: string, suite: CryptoSuite = nativeSuite): Promise<MemberKeys> {
  const x25519SecretKey = suite.randomBytes(KEY_BYTES);
  const ed25519Seed = suite.randomBytes(KEY_BYTES);
  const [x25519PublicKey, ed25519PublicKey] = await Promise.all([suite.x25519PublicKey(x25519SecretKey), suite.ed25519PublicKey(ed25519Seed)]);
  return { x25519SecretKey, ed25519Seed, member: { name, x25519PublicKey, ed25519PublicKey } };
}

export const generateOperatorSeed = (suite: CryptoSuite = nativeSuite): Uint8Array => suite.randomBytes(KEY_BYTES);
