/** Members with devices and prekeys, and the verified directory a member's app would keep. */
import {
  createDevice,
  encodeDeviceRecord,
  encodePrekey,
  equalBytes,
  prekeyForSending,
  rotatePrekeys,
  verifyDeviceRecord,
  verifyPrekey,
  type DeviceKeys,
  type DeviceRecord,
  type DeviceSecrets,
  type PrekeySecret,
  type RecipientDevice,
  type SenderLookup,
  type SignedPrekey,
} from '../../src/index.js';
import { makeCircle, type TestCircle } from './fixtures.js';

export interface TestDevice extends DeviceKeys {
  device: DeviceSecrets;
  prekeys: PrekeySecret[];
  published: SignedPrekey[];
}

export interface V2Circle extends TestCircle {
  devices: TestDevice[][];
}

export const NOW = Date.UTC(2026, 11, 7, 12, 0);

export async function makeV2Circle(names: string[], devicesEach = 1, nowMs = NOW): Promise<V2Circle> {
  const circle = await makeCircle(names);
  const devices = await Promise.all(
    circle.identities.map((identity) => Promise.all(Array.from({ length: devicesEach }, () => addDevice(identity, nowMs)))),
  );
  return { ...circle, devices };
}

export async function addDevice(identity: Parameters<typeof createDevice>[0], nowMs: number): Promise<TestDevice> {
  const device = await createDevice(identity, nowMs);
  const { held, publish } = await rotatePrekeys(device, [], nowMs);
  return { device, prekeys: held, published: publish };
}

/** What a member's app does with what the relay serves: verify every record against the roster, then pick a prekey. */
export async function recipientsOf(circle: V2Circle, devices: TestDevice[], nowMs = NOW): Promise<RecipientDevice[]> {
  const roster = circle.identities[0]!.roster;
  return Promise.all(
    devices.map(async (d) => {
      const device = await verifyDeviceRecord(encodeDeviceRecord(d.device.record), roster);
      const prekeys = await Promise.all(d.published.map((p) => verifyPrekey(encodePrekey(p), device)));
      const prekey = prekeyForSending(prekeys, nowMs);
      if (!prekey) throw new Error('no usable prekey');
      return { device, prekey };
    }),
  );
}

export function lookupIn(circle: V2Circle): SenderLookup {
  const all: DeviceRecord[] = circle.devices.flat().map((d) => d.device.record);
  return (memberKey, deviceId) => all.find((r) => equalBytes(r.memberKey, memberKey) && equalBytes(r.deviceId, deviceId));
}
