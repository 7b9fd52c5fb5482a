/** Computes Circle v1 known answers from fixed inputs. Frozen output: vectors/circle-v1.json. */
import {
  encodeIdentityFile,
  encodeRoster,
  fromHex,
  keyHash,
  mailboxAddress,
  sealEnvelope,
  signRelayChallenge,
  signRoster,
  toHex,
  utf8Encode,
  type CryptoSuite,
  type Member,
} from '../../src/index.js';

export const FIXED_INPUTS = {
  operatorSeed: '0101010101010101010101010101010101010101010101010101010101010101',
  relayUrl: 'https://relay.circle.example',
  issuedAt: '1795000000000',
  members: [
    {
      name: 'Alice',
      x25519SecretKey: '1111111111111111111111111111111111111111111111111111111111111111',
      ed25519Seed: '2222222222222222222222222222222222222222222222222222222222222222',
    },
    {
      name: 'Bob',
      x25519SecretKey: '3333333333333333333333333333333333333333333333333333333333333333',
      ed25519Seed: '4444444444444444444444444444444444444444444444444444444444444444',
    },
  ],
  envelope: {
    ephemeralSecret: '5555555555555555555555555555555555555555555555555555555555555555',
    messageId: '66666666666666666666666666666666',
    counter: '1795000000000000',
    sentAt: '1795000000000',
    content: 'Hello Bob — from Alice',
  },
  challenge: '7777777777777777777777777777777777777777777777777777777777777777',
};

export async function computeCircleV1Vectors(suite: CryptoSuite) {
  const i = FIXED_INPUTS;
  const members: Member[] = await Promise.all(
    i.members.map(async (m) => ({
      name: m.name,
      x25519PublicKey: await suite.x25519PublicKey(fromHex(m.x25519SecretKey)),
      ed25519PublicKey: await suite.ed25519PublicKey(fromHex(m.ed25519Seed)),
    })),
  );
  const roster = await signRoster(
    { operatorSeed: fromHex(i.operatorSeed), relayUrl: i.relayUrl, members, issuedAt: BigInt(i.issuedAt) },
    suite,
  );
  const alice = i.members[0]!;
  const identityFile = await encodeIdentityFile(
    { x25519SecretKey: fromHex(alice.x25519SecretKey), ed25519Seed: fromHex(alice.ed25519Seed), memberIndex: 0, roster },
    {},
    suite,
  );
  const envelope = await sealEnvelope(
    {
      sender: { ed25519Seed: fromHex(alice.ed25519Seed), ed25519PublicKey: members[0]!.ed25519PublicKey },
      recipient: members[1]!,
      messageId: fromHex(i.envelope.messageId),
      counter: BigInt(i.envelope.counter),
      sentAt: BigInt(i.envelope.sentAt),
      content: utf8Encode(i.envelope.content),
      ephemeralSecret: fromHex(i.envelope.ephemeralSecret),
    },
    suite,
  );
  const proof = await signRelayChallenge(fromHex(alice.ed25519Seed), members[0]!.ed25519PublicKey, fromHex(i.challenge), i.relayUrl, suite);
  return {
    members: members.map((m) => ({ name: m.name, x25519PublicKey: toHex(m.x25519PublicKey), ed25519PublicKey: toHex(m.ed25519PublicKey) })),
    roster: toHex(encodeRoster(roster)),
    identityFileAlice: toHex(identityFile),
    envelopeSha256: toHex(await suite.sha256(envelope)),
    envelopeHead: toHex(envelope.subarray(0, 96)),
    relayAuthSignature: toHex(proof.signature),
    keyHashAlice: keyHash(members[0]!.ed25519PublicKey),
    mailboxAlice: mailboxAddress(members[0]!.ed25519PublicKey),
  };
}
