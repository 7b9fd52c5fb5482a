import { createCircle, type Identity, type MemberKeys } from '../../src/index.js';

export interface TestCircle {
  operatorSeed: Uint8Array;
  keys: MemberKeys[];
  identities: Identity[];
}

/** A small signed circle with identities for every member. */
export async function makeCircle(names: string[] = ['Alice', 'Bob', 'Carol'], relayUrl = 'https://relay.example'): Promise<TestCircle> {
  const { operatorSeed, members: keys, identities } = await createCircle({ names, relayUrl });
  return { operatorSeed, keys, identities };
}

export const senderOf = (k: MemberKeys) => ({ ed25519Seed: k.ed25519Seed, ed25519PublicKey: k.member.ed25519PublicKey });
export const recipientKeysOf = (k: MemberKeys) => ({ x25519SecretKey: k.x25519SecretKey, ...k.member });

/** Runs `fn` and returns the CircleError code it threw, or 'no error'. Anything else fails the test. */
export async function errorCodeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'no error';
  } catch (err) {
    if (err && typeof err === 'object' && 'code' in err && (err as { name?: string }).name === 'CircleError')
      return String((err as { code: string }).code);
    throw err;
  }
}
