import { describe, expect, it } from 'vitest';
import {
  DEVICE_RECORD_BYTES,
  ErrorCode,
  createDevice,
  decodeDeviceRecord,
  decodeDeviceSecrets,
  deviceIdHex,
  encodeDeviceRecord,
  encodeDeviceSecrets,
  referenceSuite,
  toHex,
  verifyDeviceRecord,
} from '../src/index.js';
import { errorCodeOf, makeCircle } from './support/fixtures.js';

const circle = await makeCircle(['Alice', 'Bob']);
const outsiders = await makeCircle(['Mallory']);
const [alice] = circle.identities;
const device = await createDevice(alice!, Date.UTC(2026, 11, 7));
const bytes = encodeDeviceRecord(device.record);

describe('device records', () => {
  it('round-trip and verify against the pinned roster, naming the member', async () => {
    expect(bytes.length).toBe(DEVICE_RECORD_BYTES);
    const verified = await verifyDeviceRecord(bytes, alice!.roster);
    expect(verified.memberIndex).toBe(0);
    expect(toHex(verified.memberKey)).toBe(toHex(circle.keys[0]!.member.ed25519PublicKey));
    expect(verified.createdAt).toBe(BigInt(Date.UTC(2026, 11, 7)));
    expect(deviceIdHex(verified)).toMatch(/^[0-9a-f]{32}$/);
    expect(toHex(encodeDeviceRecord(await decodeDeviceRecord(bytes, referenceSuite)))).toBe(toHex(bytes));
  });

  it('two devices of one member have unrelated keys and ids', async () => {
    const other = await createDevice(alice!);
    expect(toHex(other.record.deviceId)).not.toBe(toHex(device.record.deviceId));
    expect(toHex(other.record.x25519PublicKey)).not.toBe(toHex(device.record.x25519PublicKey));
    expect(toHex(other.record.x25519PublicKey)).not.toBe(toHex(circle.keys[0]!.member.x25519PublicKey));
  });

  it('any altered byte, a wrong size or an unknown version is DeviceInvalid', async () => {
    for (let i = 0; i < bytes.length; i += 7) {
      const altered = bytes.slice();
      altered[i]! ^= 0x01;
      expect(await errorCodeOf(() => decodeDeviceRecord(altered)), `byte ${i}`).toBe(ErrorCode.DeviceInvalid);
    }
    expect(await errorCodeOf(() => decodeDeviceRecord(bytes.subarray(1)))).toBe(ErrorCode.DeviceInvalid);
    expect(await errorCodeOf(() => decodeDeviceRecord(new Uint8Array(DEVICE_RECORD_BYTES + 1)))).toBe(ErrorCode.DeviceInvalid);
  });

  it('a record certified by a key outside the roster is UnknownSender, though well signed (what the relay alone cannot tell)', async () => {
    const stranger = encodeDeviceRecord((await createDevice(outsiders.identities[0]!)).record);
    await expect(decodeDeviceRecord(stranger)).resolves.toBeDefined();
    expect(await errorCodeOf(() => verifyDeviceRecord(stranger, alice!.roster))).toBe(ErrorCode.UnknownSender);
  });

  it('the relay cannot re-label a record as another member’s device', async () => {
    const relabelled = bytes.slice();
    relabelled.set(circle.keys[1]!.member.ed25519PublicKey, 1);
    expect(await errorCodeOf(() => verifyDeviceRecord(relabelled, alice!.roster))).toBe(ErrorCode.DeviceInvalid);
  });

  it('saved device secrets round-trip, and damaged or mismatched ones are refused', async () => {
    const saved = encodeDeviceSecrets(device);
    const back = await decodeDeviceSecrets(saved);
    expect(toHex(back.x25519SecretKey)).toBe(toHex(device.x25519SecretKey));
    const swapped = saved.slice();
    swapped[saved.length - 1]! ^= 1;
    expect(await errorCodeOf(() => decodeDeviceSecrets(swapped))).toBe(ErrorCode.DeviceInvalid);
    expect(await errorCodeOf(() => decodeDeviceSecrets(saved.subarray(3)))).toBe(ErrorCode.DeviceInvalid);
  });
});
