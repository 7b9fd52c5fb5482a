import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOB_BYTES,
  ENVELOPE_V2_HEADER_BYTES,
  ErrorCode,
  SIGNAL_BYTES,
  envelopeCapacityV2,
  nativeSuite,
  openForDevice,
  referenceSuite,
  sealForDevices,
  toHex,
  utf8Decode,
  utf8Encode,
  webCryptoSuite,
  type CryptoSuite,
  type SealInputV2,
} from '../src/index.js';
import { errorCodeOf } from './support/fixtures.js';
import { addDevice, lookupIn, makeV2Circle, recipientsOf } from './support/devices.js';

const circle = await makeV2Circle(['Alice', 'Bob', 'Carol'], 2);
const [alice, bob, carol] = circle.devices as [(typeof circle.devices)[0], (typeof circle.devices)[0], (typeof circle.devices)[0]];
const lookup = lookupIn(circle);
const input = (content: Uint8Array, frameBytes?: number): SealInputV2 => ({
  sender: alice[0]!.device,
  messageId: nativeSuite.randomBytes(16),
  counter: 7n,
  sentAt: 1_795_000_000_000n,
  content,
  frameBytes,
});
const toBob = await recipientsOf(circle, [bob[0]!]);

describe('envelope v2 round trips', () => {
  it('a group message reaches every device of every recipient and the sender’s other device, each opening only its own frame', async () => {
    const targets = [...bob, ...carol, alice[1]!];
    const frames = await sealForDevices(input(utf8Encode('to everyone')), await recipientsOf(circle, targets));
    expect(frames.map((f) => f.length)).toEqual(targets.map(() => BLOB_BYTES));
    for (const [i, target] of targets.entries()) {
      const opened = await openForDevice(frames[i]!, target, lookup);
      expect(utf8Decode(opened.content)).toBe('to everyone');
      expect(toHex(opened.senderMemberKey)).toBe(toHex(alice[0]!.device.record.memberKey));
      expect(toHex(opened.senderDeviceId)).toBe(toHex(alice[0]!.device.record.deviceId));
      expect(opened.counter).toBe(7n);
      const other = targets[(i + 1) % targets.length]!;
      expect(await errorCodeOf(() => openForDevice(frames[i]!, other, lookup))).toBe(ErrorCode.EnvelopeInvalid);
    }
    // Each frame has its own E and ML-KEM ciphertext: no clear byte links the copies.
    expect(new Set(frames.map((f) => toHex(f.subarray(1, ENVELOPE_V2_HEADER_BYTES)))).size).toBe(frames.length);
  });

  it('opens to exactly what was sealed for any content', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (content) => {
        const [frame] = await sealForDevices(input(content), toBob);
        expect(toHex((await openForDevice(frame!, bob[0]!, lookup)).content)).toBe(toHex(content));
      }),
      { numRuns: 20 },
    );
  });

  it('carries content up to its stated capacity in blob and signal frames', async () => {
    expect([envelopeCapacityV2(BLOB_BYTES), envelopeCapacityV2(SIGNAL_BYTES)]).toEqual([64_290, 31_522]);
    for (const frameBytes of [BLOB_BYTES, SIGNAL_BYTES]) {
      const content = nativeSuite.randomBytes(envelopeCapacityV2(frameBytes));
      const [frame] = await sealForDevices(input(content, frameBytes), toBob);
      expect(toHex((await openForDevice(frame!, bob[0]!, lookup, { frameBytes })).content)).toBe(toHex(content));
      const tooLarge = input(new Uint8Array(envelopeCapacityV2(frameBytes) + 1), frameBytes);
      expect(await errorCodeOf(() => sealForDevices(tooLarge, toBob))).toBe(ErrorCode.PayloadTooLarge);
    }
  });

  it.each<CryptoSuite>([nativeSuite, webCryptoSuite, referenceSuite])(
    'frames sealed by the $name suite open with every suite',
    async (suite) => {
      const [frame] = await sealForDevices(input(utf8Encode('même octets')), toBob, suite);
      for (const opener of [nativeSuite, webCryptoSuite, referenceSuite]) {
        expect(utf8Decode((await openForDevice(frame!, bob[0]!, lookup, {}, opener)).content)).toBe('même octets');
      }
    },
  );

  it('a device opens frames sealed to any prekey it still holds, and names the epoch', async () => {
    for (const prekey of bob[0]!.published) {
      const [frame] = await sealForDevices(input(utf8Encode('x')), [{ device: bob[0]!.device.record, prekey }]);
      expect((await openForDevice(frame!, bob[0]!, lookup)).prekeyEpoch).toBe(prekey.epoch);
    }
  });
});

describe('envelope v2 bad input', () => {
  it('every bit flip in the header, ciphertext or tag is EnvelopeInvalid', async () => {
    const [frame] = await sealForDevices(input(utf8Encode('integrity')), toBob);
    const offsets = [1, 32, 33, 600, 1120, 1121, 1128, 1129, 1176, 1177, 1192, 1193, 40_000, BLOB_BYTES - 17, BLOB_BYTES - 1];
    for (const i of offsets) {
      const f = frame!.slice();
      f[i]! ^= 0x04;
      expect(await errorCodeOf(() => openForDevice(f, bob[0]!, lookup)), `byte ${i}`).toBe(ErrorCode.EnvelopeInvalid);
    }
  });

  it('a frame from a device the recipient does not know is UnknownSender, not a silent loss', async () => {
    const [frame] = await sealForDevices(input(utf8Encode('new laptop')), toBob);
    expect(await errorCodeOf(() => openForDevice(frame!, bob[0]!, () => undefined))).toBe(ErrorCode.UnknownSender);
  });

  it('a device that dropped the prekey cannot open (EnvelopeInvalid)', async () => {
    const [frame] = await sealForDevices(input(utf8Encode('x')), toBob);
    const forgetful = { device: bob[0]!.device, prekeys: bob[0]!.prekeys.filter((p) => p.record.epoch !== toBob[0]!.prekey.epoch) };
    expect(await errorCodeOf(() => openForDevice(frame!, forgetful, lookup))).toBe(ErrorCode.EnvelopeInvalid);
  });

  it('a low-order E, wrong sizes and v1 frames are rejected with typed errors', async () => {
    const [frame] = await sealForDevices(input(utf8Encode('x')), toBob);
    const lowOrder = frame!.slice();
    lowOrder.fill(0, 1, 33);
    expect(await errorCodeOf(() => openForDevice(lowOrder, bob[0]!, lookup))).toBe(ErrorCode.EnvelopeInvalid);
    expect(await errorCodeOf(() => openForDevice(frame!.subarray(0, 1000), bob[0]!, lookup))).toBe(ErrorCode.BlobSize);
    const v1 = frame!.slice();
    v1[0] = 1;
    expect(await errorCodeOf(() => openForDevice(v1, bob[0]!, lookup))).toBe(ErrorCode.BadRequest);
    expect(await errorCodeOf(() => openForDevice(frame!, bob[0]!, lookup, { frameBytes: SIGNAL_BYTES }))).toBe(ErrorCode.BlobSize);
  });

  it('refuses a bad message id and a low-order prekey when sealing', async () => {
    expect(await errorCodeOf(() => sealForDevices({ ...input(new Uint8Array(1)), messageId: new Uint8Array(15) }, toBob))).toBe(
      ErrorCode.BadRequest,
    );
    const lowOrder = [{ ...toBob[0]!, prekey: { ...toBob[0]!.prekey, x25519PublicKey: new Uint8Array(32) } }];
    expect(await errorCodeOf(() => sealForDevices(input(new Uint8Array(1)), lowOrder))).toBe(ErrorCode.BadPublicKey);
  });

  it('a device added later opens nothing sealed before it existed', async () => {
    const [frame] = await sealForDevices(input(utf8Encode('before')), toBob);
    const late = await addDevice(circle.identities[1]!, Date.now());
    expect(await errorCodeOf(() => openForDevice(frame!, late, lookup))).toBe(ErrorCode.EnvelopeInvalid);
  });
});
