/**
 * Key generation for members and operators. Secrets come from WebCrypto's CSPRNG;
 * public keys are derived natively.
 *
 * @example
 *   const member = await generateMemberKeys('Alice');
 */
import { nativeSuite } from './crypto/native.js';
import { KEY_BYTES, type CryptoSuite } from './crypto/suite.js';
import { signRoster, type Member, type Roster } from './roster.js';
import type { Identity, IdentitySecrets } from './identity-file.js';

export interface MemberKeys extends IdentitySecrets {
  member: Member;
}

export async function generateMemberKeys(name: string, suite: CryptoSuite = nativeSuite): Promise<MemberKeys> {
  const x25519SecretKey = suite.randomBytes(KEY_BYTES);
  const ed25519Seed = suite.randomBytes(KEY_BYTES);
  const [x25519PublicKey, ed25519PublicKey] = await Promise.all([
    suite.x25519PublicKey(x25519SecretKey),
    suite.ed25519PublicKey(ed25519Seed),
  ]);
  return { x25519SecretKey, ed25519Seed, member: { name, x25519PublicKey, ed25519PublicKey } };
}

export const generateOperatorSeed = (suite: CryptoSuite = nativeSuite): Uint8Array => suite.randomBytes(KEY_BYTES);

export interface CreatedCircle {
  operatorSeed: Uint8Array;
  roster: Roster;
  members: MemberKeys[];
  /** One identity per member, in roster order. */
  identities: Identity[];
}

/**
 * A whole circle: fresh member keys, the operator-signed roster and each member's identity.
 *
 * @example
 *   const { identities } = await createCircle({ names: ['Alice', 'Bob'], relayUrl: 'https://relay.example' });
 */
export async function createCircle(
  opts: { names: string[]; relayUrl: string; operatorSeed?: Uint8Array },
  suite: CryptoSuite = nativeSuite,
): Promise<CreatedCircle> {
  const operatorSeed = opts.operatorSeed ?? generateOperatorSeed(suite);
  const members = await Promise.all(opts.names.map((n) => generateMemberKeys(n, suite)));
  const roster = await signRoster({ operatorSeed, relayUrl: opts.relayUrl, members: members.map((m) => m.member) }, suite);
  const identities = members.map((m, memberIndex) => ({
    x25519SecretKey: m.x25519SecretKey,
    ed25519Seed: m.ed25519Seed,
    memberIndex,
    roster,
  }));
  return { operatorSeed, roster, members, identities };
}
