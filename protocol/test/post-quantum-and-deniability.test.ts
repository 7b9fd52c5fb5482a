import { describe, expect, it } from 'vitest';
import { ML_KEM_SEED_BYTES, mlKemDecapsulate, mlKemEncapsulate, mlKemKeyPair } from '../src/crypto/ml-kem.js';
import { assembleFrame, fixedEphemeral, openWithSecrets, sealFrame } from '../src/envelope-v2-core.js';
import { ErrorCode, nativeSuite, openForDevice, referenceSuite, toHex, utf8Decode, utf8Encode, type DeviceRecord } from '../src/index.js';
import { errorCodeOf } from './support/fixtures.js';
import { lookupIn, makeV2Circle, recipientsOf } from './support/devices.js';

const circle = await makeV2Circle(['Alice', 'Bob']);
const alice = circle.devices[0]![0]!;
const bob = circle.devices[1]![0]!;
const lookup = lookupIn(circle);
const [toBob] = await recipientsOf(circle, [bob]);
const bobPrekey = bob.prekeys.find((p) => p.record.epoch === toBob!.prekey.epoch)!;
const message = {
  sender: alice.device,
  messageId: nativeSuite.randomBytes(16),
  counter: 1n,
  sentAt: 2n,
  content: utf8Encode('only for Bob'),
};

// A frame whose ephemeral secret the attacker is also handed.
const e = nativeSuite.randomBytes(32);
const frame = await sealFrame(
  message,
  toBob!,
  { ephemeral: await fixedEphemeral(e, nativeSuite), mlKemMessage: nativeSuite.randomBytes(32) },
  nativeSuite,
);
const E = frame.subarray(1, 33);
const C = frame.subarray(33, 33 + 1088);
/** An attacker who knows who sent it: whatever ids the frame seems to name, the lookup answers Alice's device keys. */
const knowsSender = (memberKey: Uint8Array, deviceId: Uint8Array): DeviceRecord => ({ ...alice.device.record, memberKey, deviceId });

describe('post-quantum: the key stays secret if either X25519 or ML-KEM holds', () => {
  it('control: holding both halves opens the frame', async () => {
    const ssE = await nativeSuite.x25519SharedSecret(e, toBob!.prekey.x25519PublicKey);
    const ssPq = mlKemDecapsulate(C, bobPrekey.mlKemSecretKey);
    const opened = await openWithSecrets(
      frame,
      toBob!,
      { ssE, ssPq },
      () => nativeSuite.x25519SharedSecret(alice.device.x25519SecretKey, toBob!.prekey.x25519PublicKey),
      knowsSender,
      nativeSuite,
    );
    expect(utf8Decode(opened.content)).toBe('only for Bob');
  });

  it('every X25519 secret (ephemeral, prekey, both devices, both identities) but no ML-KEM secret opens nothing', async () => {
    // With e, Bob's prekey and Alice's device secret, ss_e and ss_s are known exactly.
    const ssE = await nativeSuite.x25519SharedSecret(e, toBob!.prekey.x25519PublicKey);
    expect(toHex(await nativeSuite.x25519SharedSecret(bobPrekey.x25519SecretKey, E))).toBe(toHex(ssE));
    const ssS = () => nativeSuite.x25519SharedSecret(bobPrekey.x25519SecretKey, alice.device.record.x25519PublicKey);
    const guesses = [
      new Uint8Array(32),
      nativeSuite.randomBytes(32),
      mlKemDecapsulate(C, mlKemKeyPair(nativeSuite.randomBytes(ML_KEM_SEED_BYTES)).secretKey), // another ML-KEM key
      ...[circle.identities[0]!, circle.identities[1]!].map((i) => i.x25519SecretKey), // identity X25519 secrets
    ];
    for (const ssPq of guesses) {
      expect(await errorCodeOf(() => openWithSecrets(frame, toBob!, { ssE, ssPq }, ssS, knowsSender, nativeSuite))).toBe(
        ErrorCode.EnvelopeInvalid,
      );
    }
    // And through the public path: Bob's device with its X25519 prekey secret but another ML-KEM key.
    const pqLess = { ...bobPrekey, mlKemSecretKey: mlKemKeyPair(nativeSuite.randomBytes(ML_KEM_SEED_BYTES)).secretKey };
    expect(await errorCodeOf(() => openForDevice(frame, { device: bob.device, prekeys: [pqLess] }, lookup))).toBe(
      ErrorCode.EnvelopeInvalid,
    );
  });

  it('every ML-KEM secret but no X25519 secret opens nothing', async () => {
    const ssPq = mlKemDecapsulate(C, bobPrekey.mlKemSecretKey);
    // Without any X25519 secret, neither ss_e nor ss_s can be computed; guessing (zero, random, or
    // the public keys themselves) fails.
    for (const guess of [new Uint8Array(32), nativeSuite.randomBytes(32), E.slice(), toBob!.prekey.x25519PublicKey]) {
      expect(
        await errorCodeOf(() => openWithSecrets(frame, toBob!, { ssE: guess, ssPq }, async () => guess, knowsSender, nativeSuite)),
      ).toBe(ErrorCode.EnvelopeInvalid);
    }
    const classicalLess = { ...bobPrekey, x25519SecretKey: nativeSuite.randomBytes(32) };
    expect(await errorCodeOf(() => openForDevice(frame, { device: bob.device, prekeys: [classicalLess] }, lookup))).toBe(
      ErrorCode.EnvelopeInvalid,
    );
  });
});

describe('deniability: envelopes are not transferable evidence', () => {
  it.each([nativeSuite, referenceSuite])(
    'the recipient alone, from its own secrets and the sender’s public keys, makes a frame that opens as “from Alice” ($name)',
    async (suite) => {
      // Bob uses only: his device record, his prekey's secrets, and Alice's PUBLIC device record.
      const ephemeral = suite.randomBytes(32);
      const { cipherText, sharedSecret: ssPq } = mlKemEncapsulate(bobPrekey.record.mlKemPublicKey, suite.randomBytes(32));
      const forged = await assembleFrame(
        {
          senderRecord: alice.device.record,
          messageId: suite.randomBytes(16),
          counter: 9n,
          sentAt: 9n,
          content: utf8Encode('I owe Bob 1000'),
        },
        { device: bob.device.record, prekey: bobPrekey.record },
        {
          ephemeralPublicKey: await suite.x25519PublicKey(ephemeral),
          cipherText,
          ssE: await suite.x25519SharedSecret(ephemeral, bobPrekey.record.x25519PublicKey),
          ssPq,
          ssS: await suite.x25519SharedSecret(bobPrekey.x25519SecretKey, alice.device.record.x25519PublicKey), // Bob's side of ss_s
        },
        suite,
      );
      const opened = await openForDevice(forged, bob, lookup, {}, suite);
      expect(utf8Decode(opened.content)).toBe('I owe Bob 1000');
      expect(toHex(opened.senderMemberKey)).toBe(toHex(alice.device.record.memberKey));
      expect(toHex(opened.senderDeviceId)).toBe(toHex(alice.device.record.deviceId));
      // Same shape as a real frame: nothing in the bytes tells the two apart.
      expect(forged.length).toBe(frame.length);
      expect(forged[0]).toBe(frame[0]);
    },
  );

  it('no one else can: a third member with Alice’s public keys but not Bob’s prekey secret cannot make one Bob accepts as Alice’s', async () => {
    const carol = (await makeV2Circle(['Carol'])).devices[0]![0]!;
    const ephemeral = nativeSuite.randomBytes(32);
    const { cipherText, sharedSecret: ssPq } = mlKemEncapsulate(bobPrekey.record.mlKemPublicKey, nativeSuite.randomBytes(32));
    const attempt = await assembleFrame(
      { senderRecord: alice.device.record, messageId: nativeSuite.randomBytes(16), counter: 1n, sentAt: 1n, content: utf8Encode('x') },
      { device: bob.device.record, prekey: bobPrekey.record },
      {
        ephemeralPublicKey: await nativeSuite.x25519PublicKey(ephemeral),
        cipherText,
        ssE: await nativeSuite.x25519SharedSecret(ephemeral, bobPrekey.record.x25519PublicKey),
        ssPq,
        ssS: await nativeSuite.x25519SharedSecret(carol.device.x25519SecretKey, bobPrekey.record.x25519PublicKey), // not Alice's
      },
      nativeSuite,
    );
    expect(await errorCodeOf(() => openForDevice(attempt, bob, lookup))).toBe(ErrorCode.EnvelopeInvalid);
  });
});
