/** Computes Circle v2 known answers from fixed inputs. Frozen output: vectors/circle-v2.json. */
import { fixedEphemeral, sealFrame } from '../../src/envelope-v2-core.js';
import {
  buildPrekey,
  certifyDevice,
  deviceFingerprint,
  encodeDeviceRecord,
  encodePrekey,
  fromHex,
  safetyNumber,
  signRoster,
  toHex,
  utf8Encode,
  type CryptoSuite,
  type Member,
} from '../../src/index.js';
import { FIXED_INPUTS as V1 } from './circle-v1-vectors.js';

export const FIXED_INPUTS_V2 = {
  operatorSeed: V1.operatorSeed,
  relayUrl: V1.relayUrl,
  issuedAt: V1.issuedAt,
  members: V1.members,
  devices: [
    {
      member: 0,
      deviceId: 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
      createdAt: '1796601600000',
      x25519SecretKey: '8888888888888888888888888888888888888888888888888888888888888888',
      ed25519Seed: '9999999999999999999999999999999999999999999999999999999999999999',
    },
    {
      member: 1,
      deviceId: 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2',
      createdAt: '1796601600000',
      x25519SecretKey: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      ed25519Seed: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    },
  ],
  bobPrekey: {
    epoch: 20_794,
    x25519SecretKey: 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc',
    mlKemSeed: 'dd'.repeat(64),
  },
  envelope: {
    ephemeralSecret: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
    mlKemMessage: 'f0'.repeat(32),
    messageId: '66666666666666666666666666666666',
    counter: '1796644800000000',
    sentAt: '1796644800000',
    content: 'Hello Bob — from Alice, v2',
  },
};

/** Everything the vectors are made from, also used to open the frozen envelope in the test. */
export async function buildV2Fixture(suite: CryptoSuite) {
  const i = FIXED_INPUTS_V2;
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
  const [aliceDevice, bobDevice] = await Promise.all(
    i.devices.map((d) =>
      certifyDevice(
        fromHex(i.members[d.member]!.ed25519Seed),
        { deviceId: fromHex(d.deviceId), x25519SecretKey: fromHex(d.x25519SecretKey), ed25519Seed: fromHex(d.ed25519Seed) },
        BigInt(d.createdAt),
        suite,
      ),
    ),
  );
  const bobPrekey = await buildPrekey(
    bobDevice!,
    i.bobPrekey.epoch,
    { x25519SecretKey: fromHex(i.bobPrekey.x25519SecretKey), mlKemSeed: fromHex(i.bobPrekey.mlKemSeed) },
    suite,
  );
  return { members, roster, aliceDevice: aliceDevice!, bobDevice: bobDevice!, bobPrekey };
}

export async function computeCircleV2Vectors(suite: CryptoSuite) {
  const i = FIXED_INPUTS_V2;
  const { members, aliceDevice, bobDevice, bobPrekey } = await buildV2Fixture(suite);
  const envelope = await sealFrame(
    {
      sender: aliceDevice,
      messageId: fromHex(i.envelope.messageId),
      counter: BigInt(i.envelope.counter),
      sentAt: BigInt(i.envelope.sentAt),
      content: utf8Encode(i.envelope.content),
    },
    { device: bobDevice.record, prekey: bobPrekey.record },
    { ephemeral: await fixedEphemeral(fromHex(i.envelope.ephemeralSecret), suite), mlKemMessage: fromHex(i.envelope.mlKemMessage) },
    suite,
  );
  return {
    deviceRecordAlice: toHex(encodeDeviceRecord(aliceDevice.record)),
    deviceRecordBob: toHex(encodeDeviceRecord(bobDevice.record)),
    prekeyRecordBob: toHex(encodePrekey(bobPrekey.record)),
    envelopeHeader: toHex(envelope.subarray(0, 1193)),
    envelopeSha256: toHex(await suite.sha256(envelope)),
    safetyNumberAliceBob: safetyNumber(members[0]!, members[1]!),
    deviceFingerprintAlice: deviceFingerprint(aliceDevice.record),
  };
}
