import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CircleError,
  ErrorCode,
  decodeIdentityFile,
  encodeIdentityFile,
  encodeRoster,
  generateMemberKeys,
  generateOperatorSeed,
  nativeSuite,
  peekIdentityFile,
  selfMember,
  signRoster,
  toHex,
  validateMemberName,
  type Identity,
} from '../src/index.js';
import { errorCodeOf, makeCircle } from './support/fixtures.js';

const FAST_KDF = { logN: 14, r: 8, p: 1 };
const IDENTITY_ERRORS = new Set<string>([
  ErrorCode.IdentityTruncated,
  ErrorCode.IdentityNotCircle,
  ErrorCode.IdentityVersion,
  ErrorCode.IdentityCorrupted,
  ErrorCode.IdentityTampered,
  ErrorCode.IdentityMalformed,
  ErrorCode.WrongPassphrase,
]);

const sameIdentity = (a: Identity, b: Identity) => {
  expect(toHex(b.x25519SecretKey)).toBe(toHex(a.x25519SecretKey));
  expect(toHex(b.ed25519Seed)).toBe(toHex(a.ed25519Seed));
  expect(b.memberIndex).toBe(a.memberIndex);
  expect(toHex(encodeRoster(b.roster))).toBe(toHex(encodeRoster(a.roster)));
};

describe('identity file round trips', () => {
  it('decodes what it encodes, for any names, circle sizes and member index', async () => {
    const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => validateMemberName(s) === undefined);
    await fc.assert(
      fc.asyncProperty(fc.array(name, { minLength: 1, maxLength: 6 }), fc.nat(), async (names, pick) => {
        const c = await makeCircle(names);
        const id = c.identities[pick % names.length]!;
        const back = await decodeIdentityFile(await encodeIdentityFile(id));
        sameIdentity(id, back);
        expect(selfMember(back).name).toBe(names[pick % names.length]);
      }),
      { numRuns: 25 },
    );
  });

  it('round trips a passphrase-sealed file and reports it as sealed', async () => {
    const c = await makeCircle();
    const bytes = await encodeIdentityFile(c.identities[1]!, { passphrase: 'correct horse battery staple', kdf: FAST_KDF });
    expect(peekIdentityFile(bytes).sealed).toBe(true);
    sameIdentity(c.identities[1]!, await decodeIdentityFile(bytes, { passphrase: 'correct horse battery staple' }));
  });

  it('normalises the passphrase (NFKC) so the same words typed differently still open the file', async () => {
    const c = await makeCircle(['Zoë']);
    const bytes = await encodeIdentityFile(c.identities[0]!, { passphrase: 'cafe\u0301', kdf: FAST_KDF });
    await expect(decodeIdentityFile(bytes, { passphrase: 'caf\u00e9' })).resolves.toBeTruthy();
  });
});

describe('identity file bad input gives a typed error, never a crash', () => {
  it('asks for the passphrase, and rejects a wrong one with WrongPassphrase', async () => {
    const c = await makeCircle();
    const bytes = await encodeIdentityFile(c.identities[0]!, { passphrase: 'right', kdf: FAST_KDF });
    expect(await errorCodeOf(() => decodeIdentityFile(bytes))).toBe(ErrorCode.PassphraseRequired);
    expect(await errorCodeOf(() => decodeIdentityFile(bytes, { passphrase: 'wrong' }))).toBe(ErrorCode.WrongPassphrase);
  });

  it('rejects every single-byte flip of the file with an identity error', async () => {
    const c = await makeCircle(['A', 'B']);
    const bytes = await encodeIdentityFile(c.identities[0]!);
    for (let i = 0; i < bytes.length; i++) {
      const flipped = bytes.slice();
      flipped[i]! ^= 0x01 << (i % 8);
      const code = await errorCodeOf(() => decodeIdentityFile(flipped));
      expect(IDENTITY_ERRORS.has(code), `byte ${i}: ${code}`).toBe(true);
    }
  });

  it('rejects every truncation with IdentityTruncated (or not-a-Circle-file for a cut magic)', async () => {
    const c = await makeCircle(['A', 'B']);
    const bytes = await encodeIdentityFile(c.identities[0]!);
    for (let n = 0; n < bytes.length; n++) {
      const code = await errorCodeOf(() => decodeIdentityFile(bytes.subarray(0, n)));
      expect(code, `length ${n}`).toBe(n < 8 ? ErrorCode.IdentityNotCircle : ErrorCode.IdentityTruncated);
    }
  });

  it('rejects an oversized file, random bytes, and a future version', async () => {
    const c = await makeCircle(['A']);
    const bytes = await encodeIdentityFile(c.identities[0]!);
    expect(await errorCodeOf(() => decodeIdentityFile(new Uint8Array([...bytes, 0])))).toBe(ErrorCode.IdentityCorrupted);
    expect(await errorCodeOf(() => decodeIdentityFile(new Uint8Array(100 * 1024)))).toBe(ErrorCode.IdentityMalformed);
    expect(await errorCodeOf(() => decodeIdentityFile(nativeSuite.randomBytes(400)))).toBe(ErrorCode.IdentityNotCircle);
    const future = bytes.slice();
    future[8] = 2;
    const err = await decodeIdentityFile(future).catch((e: unknown) => e as CircleError);
    expect(err).toBeInstanceOf(CircleError);
    expect((err as CircleError).code).toBe(ErrorCode.IdentityVersion);
    expect((err as CircleError).message).toMatch(/version 2/);
  });

  it('detects a tampered roster even when the attacker recomputes the checksum', async () => {
    const c = await makeCircle(['Alice', 'Bob']);
    const mallory = await generateMemberKeys('Mallory');
    // Swap Bob's key for Mallory's without the operator key: the signature no longer verifies.
    const forged: Identity = { ...c.identities[0]!, roster: { ...c.identities[0]!.roster, members: [c.keys[0]!.member, mallory.member] } };
    expect(await errorCodeOf(async () => decodeIdentityFile(await encodeIdentityFile(forged)))).toBe(ErrorCode.IdentityTampered);
  });

  it('detects secret keys that do not belong to the roster entry', async () => {
    const c = await makeCircle(['Alice', 'Bob']);
    const wrongKeys: Identity = { ...c.identities[0]!, x25519SecretKey: c.identities[1]!.x25519SecretKey };
    expect(await errorCodeOf(async () => decodeIdentityFile(await encodeIdentityFile(wrongKeys)))).toBe(ErrorCode.IdentityTampered);
  });

  it('detects a roster re-signed by another operator key (different circle)', async () => {
    const c = await makeCircle(['Alice', 'Bob']);
    const other = await signRoster({
      operatorSeed: generateOperatorSeed(),
      relayUrl: 'https://relay.example',
      members: c.keys.map((k) => k.member),
    });
    const moved = { ...c.identities[0]!, roster: { ...other, circleId: c.identities[0]!.roster.circleId } };
    expect(await errorCodeOf(async () => decodeIdentityFile(await encodeIdentityFile(moved)))).toBe(ErrorCode.IdentityTampered);
  });
});
