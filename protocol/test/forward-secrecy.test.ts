/**
 * Forward secrecy at the protocol level, on a simulated clock: every frame "the relay stored"
 * over ten days is recorded, then handed to an attacker holding (a) Bob's identity file, or
 * (b) Bob's whole device state copied on day D.
 */
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  PREKEYS_AHEAD,
  PREKEY_CLOCK_SKEW_MS,
  computeExpiry,
  createDevice,
  decodeDeviceSecrets,
  decodePrekeySecrets,
  encodeDeviceSecrets,
  encodePrekeySecrets,
  epochEnd,
  nativeSuite,
  openForDevice,
  prekeyEpoch,
  prekeyEraseAt,
  prekeyForSending,
  rotatePrekeys,
  sealForDevices,
  utf8Decode,
  utf8Encode,
  type DeviceKeys,
  type OpenedV2,
  type PrekeySecret,
  type SignedPrekey,
} from '../src/index.js';
import { lookupIn, makeV2Circle, type TestDevice } from './support/devices.js';

const DAY0 = Date.UTC(2026, 11, 7);
const HOUR = 3_600_000;
/** The stated window (PROTOCOL.md §15.2): a frame sent at t opens from device state until at most t + 5 days + 3 hours. */
const WINDOW_MS = 5 * DAY_MS + 3 * PREKEY_CLOCK_SKEW_MS;

interface Recorded {
  frame: Uint8Array;
  sentAtMs: number;
  expiresAt: number;
  text: string;
}

async function tryOpen(frame: Uint8Array, keys: DeviceKeys, lookup: Parameters<typeof openForDevice>[2]): Promise<OpenedV2 | undefined> {
  return openForDevice(frame, keys, lookup).catch(() => undefined);
}

/** Alice sends to Bob at 10:00 and 22:00 each day; both rotate prekeys at 09:00 and 21:00 (online devices). */
async function tenDays(onCopyDay: number) {
  const circle = await makeV2Circle(['Alice', 'Bob'], 1, DAY0);
  const alice = circle.devices[0]![0]!;
  const bob = circle.devices[1]![0]!;
  const stored: Recorded[] = [];
  let copied: { device: Uint8Array; prekeys: Uint8Array; atMs: number } | undefined;
  for (let day = 0; day < 10; day++) {
    for (const hour of [9, 21]) {
      const now = DAY0 + day * DAY_MS + hour * HOUR;
      for (const d of [alice, bob]) {
        const r = await rotatePrekeys(d.device, d.prekeys, now);
        d.prekeys = r.held;
        d.published = r.publish;
      }
      if (day === onCopyDay && hour === 21) {
        copied = { device: encodeDeviceSecrets(bob.device), prekeys: encodePrekeySecrets(bob.prekeys), atMs: now + HOUR / 2 };
      }
      const sentAt = now + HOUR;
      const prekey = prekeyForSending(bob.published, sentAt)!;
      const text = `day ${day} ${hour + 1}:00`;
      const [frame] = await sealForDevices(
        {
          sender: alice.device,
          messageId: nativeSuite.randomBytes(16),
          counter: BigInt(sentAt),
          sentAt: BigInt(sentAt),
          content: utf8Encode(text),
        },
        [{ device: bob.device.record, prekey }],
      );
      stored.push({ frame: frame!, sentAtMs: sentAt, expiresAt: computeExpiry(sentAt), text });
    }
  }
  return { circle, bob, stored, copied: copied! };
}

describe('forward secrecy', () => {
  it('a copied identity file opens none of the recorded frames, even with a device it certifies itself', async () => {
    const { circle, stored } = await tenDays(0);
    const identity = circle.identities[1]!;
    const lookup = lookupIn(circle);
    // The identity's own keys used as if they were a device's, and a fresh device the thief certifies.
    const asDevice: DeviceKeys = {
      device: {
        record: circle.devices[1]![0]!.device.record,
        x25519SecretKey: identity.x25519SecretKey,
        ed25519Seed: identity.ed25519Seed,
      },
      prekeys: [],
    };
    const thiefDevice = await createDevice(identity, DAY0);
    let thiefPrekeys: PrekeySecret[] = [];
    for (let day = 0; day < 10; day++) thiefPrekeys = (await rotatePrekeys(thiefDevice, thiefPrekeys, DAY0 + day * DAY_MS)).held;
    for (const r of stored) {
      expect(await tryOpen(r.frame, asDevice, lookup), r.text).toBeUndefined();
      expect(await tryOpen(r.frame, { device: thiefDevice, prekeys: thiefPrekeys }, lookup), r.text).toBeUndefined();
    }
  });

  it.each([5, 8])(
    'a device state copied on day %i opens nothing older than the window, and nothing sent after its last published prekey',
    async (copyDay) => {
      const { circle, stored, copied } = await tenDays(copyDay);
      const stolen: DeviceKeys = {
        device: await decodeDeviceSecrets(copied.device),
        prekeys: await decodePrekeySecrets(copied.prekeys),
      };
      const lookup = lookupIn(circle);
      const opened: string[] = [];
      for (const r of stored) {
        const o = await tryOpen(r.frame, stolen, lookup);
        if (!o) continue;
        opened.push(r.text);
        expect(utf8Decode(o.content)).toBe(r.text);
        // Nothing older than the window ...
        expect(r.sentAtMs, `${r.text} is older than the window`).toBeGreaterThanOrEqual(copied.atMs - WINDOW_MS);
        // ... and a passive copy stops reading once the last prekey it holds is out of use.
        expect(r.sentAtMs).toBeLessThan(epochEnd(prekeyEpoch(copied.atMs) + PREKEYS_AHEAD) + PREKEY_CLOCK_SKEW_MS);
      }
      // What the relay still held at copy time is exactly what a device must still open (mailbox history):
      const held = stored.filter((r) => r.sentAtMs <= copied.atMs && r.expiresAt > copied.atMs).map((r) => r.text);
      expect(opened).toEqual(expect.arrayContaining(held));
      // The oldest frame it opens is from day copyDay - 4 (erased after day + 5 days + 3 hours).
      expect(opened[0]).toBe(`day ${copyDay - 4} 10:00`);
      expect(opened.at(-1)).toBe(`day ${Math.min(9, copyDay + PREKEYS_AHEAD)} 22:00`);
    },
  );

  it('erasure never loses a frame the relay can still hold: a device offline for three days opens everything', async () => {
    const circle = await makeV2Circle(['Alice', 'Bob'], 1, DAY0);
    const [alice, bob] = [circle.devices[0]![0]!, circle.devices[1]![0]!] as [TestDevice, TestDevice];
    const bobPublished: SignedPrekey[] = bob.published; // Bob goes offline right after publishing on day 0
    const sent: Recorded[] = [];
    for (let hour = 1; hour < 4 * 24; hour += 5) {
      const at = DAY0 + hour * HOUR;
      const prekey = prekeyForSending(bobPublished, at);
      expect(prekey, `hour ${hour}`).toBeDefined();
      const [frame] = await sealForDevices(
        {
          sender: alice.device,
          messageId: nativeSuite.randomBytes(16),
          counter: 1n,
          sentAt: BigInt(at),
          content: utf8Encode(`hour ${hour}`),
        },
        [{ device: bob.device.record, prekey: prekey! }],
      );
      sent.push({ frame: frame!, sentAtMs: at, expiresAt: computeExpiry(at), text: `hour ${hour}` });
    }
    // Past its last published day, a sender finds no prekey: "waiting for Bob's keys", not a loss.
    expect(prekeyForSending(bobPublished, DAY0 + (PREKEYS_AHEAD + 1) * DAY_MS + PREKEY_CLOCK_SKEW_MS)).toBeUndefined();
    const back = DAY0 + 3 * DAY_MS + 23 * HOUR;
    const rotated = await rotatePrekeys(bob.device, bob.prekeys, back);
    for (const r of sent.filter((s) => s.expiresAt > back)) {
      const o = await openForDevice(r.frame, { device: bob.device, prekeys: rotated.held }, lookupIn(circle));
      expect(utf8Decode(o.content)).toBe(r.text);
    }
    expect(rotated.erased).toEqual([]);
    // and the first erasure comes only after every blob sealed to that day has expired
    expect(prekeyEraseAt(prekeyEpoch(DAY0))).toBeGreaterThan(
      Math.max(...sent.filter((s) => s.sentAtMs < DAY0 + DAY_MS).map((s) => s.expiresAt)),
    );
  });
});
