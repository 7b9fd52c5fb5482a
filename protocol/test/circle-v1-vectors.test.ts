import { describe, expect, it } from 'vitest';
import { decodeIdentityFile, fromHex, nativeSuite, referenceSuite, webCryptoSuite, selfMember, type CryptoSuite } from '../src/index.js';
import { computeCircleV1Vectors } from './support/circle-v1-vectors.js';
import frozen from './vectors/circle-v1.json' with { type: 'json' };

describe.each<CryptoSuite>([nativeSuite, webCryptoSuite, referenceSuite])('Circle v1 frozen vectors ($name suite)', (suite) => {
  it('reproduces every frozen output byte for byte', async () => {
    expect(await computeCircleV1Vectors(suite)).toEqual(frozen.expected);
  });

  it('still decodes the frozen identity file', async () => {
    const identity = await decodeIdentityFile(fromHex(frozen.expected.identityFileAlice), {}, suite);
    expect(selfMember(identity).name).toBe('Alice');
    expect(identity.roster.relayUrl).toBe(frozen.inputs.relayUrl);
    expect(identity.roster.members.map((m) => m.name)).toEqual(['Alice', 'Bob']);
  });
});
