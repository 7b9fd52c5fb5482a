import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BLOB_BYTES,
  CircleError,
  ErrorCode,
  MAX_DEVICES_PER_MEMBER,
  deleteProofHash,
  deviceMailbox,
  nativeSuite,
  toBase64Url,
  toHex,
} from '@circle/protocol';
import type { CircleClient } from '@circle/desktop-app/core';
import { eventually, makeCircle, startTestRelay, type DatabaseKindName, type TestRelay } from './support/relay-harness.js';

const HOUR = 3_600_000;
const newDeviceId = () => toHex(nativeSuite.randomBytes(16));
const b64 = (n: number) => toBase64Url(nativeSuite.randomBytes(n));
const frame = () => {
  const bytes = nativeSuite.randomBytes(BLOB_BYTES);
  bytes[0] = 1;
  return bytes;
};

/** Publishes a device with random (opaque to the relay) record and one bundle; returns what was sent. */
async function publish(client: CircleClient, deviceId = newDeviceId(), expiresAt = Date.now() + 48 * HOUR) {
  const record = b64(169);
  const prekeys = [{ bundle: b64(1300), expiresAt }];
  const answer = await client.connection.request('device:publish', { deviceId, record, prekeys });
  return { deviceId, record, prekeys, ...answer };
}

async function put(client: CircleClient, to: string) {
  const id = globalThis.crypto.randomUUID();
  await client.connection.request('blob:put', { id, to, bytes: frame(), deleteProofHash: deleteProofHash(nativeSuite.randomBytes(32)) });
  return id;
}

const listed = async (client: CircleClient) => (await client.connection.request('mailbox:list', {})).blobs.map((b) => b.id).sort();

async function failure(p: Promise<unknown>): Promise<ErrorCode> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CircleError) return err.code;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe.each<DatabaseKindName>(['postgresql', 'pglite'])('devices on %s', (kind) => {
  let relay: TestRelay;
  let clockOffset = 0;
  beforeAll(async () => {
    relay = await startTestRelay(kind, { clock: () => Date.now() + clockOffset });
  });
  afterAll(async () => relay?.close());

  it('serves each member its devices’ records and bundles as published, and every device has its own mailbox', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [laptop, phone, bob] = [await circle.connect(0), await circle.connect(0), await circle.connect(1)];
    const a = await publish(laptop);
    const b = await publish(phone);
    expect(a.added && b.added).toBe(true);
    expect(a.mailbox).toBe(deviceMailbox(laptop.me.mailbox, a.deviceId));
    const { devices } = await bob.connection.request('device:list', { member: laptop.me.mailbox });
    expect(devices.map((d) => d.deviceId).sort()).toEqual([a.deviceId, b.deviceId].sort());
    const served = devices.find((d) => d.deviceId === a.deviceId)!;
    expect(served).toEqual({ deviceId: a.deviceId, mailbox: a.mailbox, record: a.record, prekeys: a.prekeys });
    // Publishing again replaces the record and bundles, and is not a new device.
    const again = await publish(laptop, a.deviceId);
    expect(again.added).toBe(false);
    const after = (await bob.connection.request('device:list', { member: laptop.me.mailbox })).devices;
    expect(after.find((d) => d.deviceId === a.deviceId)!.record).toBe(again.record);
    expect(after).toHaveLength(2);
    circle.closeClients();
  });

  it('a blob put to one device reaches that device only, live and in its mailbox list', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [laptop, phone, bob] = [await circle.connect(0), await circle.connect(0), await circle.connect(1)];
    const [a, b] = [await publish(laptop), await publish(phone)];
    const livePhone: string[] = [];
    const liveLaptop: string[] = [];
    phone.connection.on('blob:new', (x) => livePhone.push(x.id));
    laptop.connection.on('blob:new', (x) => liveLaptop.push(x.id));
    const toLaptop = await put(bob, a.mailbox);
    const toPhone = await put(bob, b.mailbox);
    await eventually(() => livePhone.includes(toPhone) && liveLaptop.includes(toLaptop), 'each device got its blob live');
    expect(livePhone).not.toContain(toLaptop);
    expect(liveLaptop).not.toContain(toPhone);
    expect(await listed(laptop)).toEqual([toLaptop]);
    expect(await listed(phone)).toEqual([toPhone]);
    expect((await phone.connection.request('blob:fetch', { ids: [toLaptop, toPhone] })).blobs.map((x) => x.id)).toEqual([toPhone]);
    circle.closeClients();
  });

  it('removing a device stops delivery to it, drops what waited for it, disconnects it, and keeps it out', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [laptop, stolen, bob] = [await circle.connect(0), await circle.connect(0), await circle.connect(1)];
    await publish(laptop);
    const gone = await publish(stolen);
    const waiting = await put(bob, gone.mailbox);
    const changes: string[] = [];
    bob.connection.on('device:changed', (c) => changes.push(c.member));
    const states: string[] = [];
    stolen.connection.on('state', (s) => states.push(s.state));

    expect(await laptop.connection.request('device:remove', { deviceId: gone.deviceId })).toEqual({ removed: true });

    await eventually(() => changes.includes(laptop.me.mailbox), 'Bob heard that Alice’s devices changed');
    await eventually(() => states.includes('offline'), 'the removed device was disconnected');
    // A put to it is answered like any other (SECURITY.md §2.4: no answer tells a member who is
    // still there), and nothing is stored.
    const after = await put(bob, gone.mailbox);
    expect(await relay.stack.blobs.get(after)).toBeNull();
    expect(await relay.stack.blobs.get(waiting)).toBeNull();
    const { devices } = await bob.connection.request('device:list', { member: laptop.me.mailbox });
    expect(devices.map((d) => d.deviceId)).not.toContain(gone.deviceId);
    // The removed installation comes back (it still holds the identity file): its device stays refused.
    await stolen.waitOnline();
    expect(await failure(publish(stolen, gone.deviceId))).toBe(ErrorCode.Forbidden);
    expect(await laptop.connection.request('device:remove', { deviceId: gone.deviceId })).toEqual({ removed: false });
    circle.closeClients();
  });

  it('a member removes only its own devices, never the one it is using', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const own = await publish(alice);
    const bobs = await publish(bob);
    expect(await bob.connection.request('device:remove', { deviceId: own.deviceId })).toEqual({ removed: false });
    expect(await failure(alice.connection.request('device:remove', { deviceId: own.deviceId }))).toBe(ErrorCode.BadRequest);
    const { devices } = await bob.connection.request('device:list', { member: alice.me.mailbox });
    expect(devices.map((d) => d.deviceId)).toEqual([own.deviceId]);
    expect(await put(alice, bobs.mailbox)).toMatch(/-/);
    circle.closeClients();
  });

  it('bounds what a member can make the relay keep: devices, record and bundle sizes, prekey count and lifetime', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const alice = await circle.connect(0);
    const deviceId = newDeviceId();
    const publishRaw = (p: { record?: string; prekeys?: { bundle: string; expiresAt: number }[] }) =>
      alice.connection.request('device:publish', {
        deviceId,
        record: p.record ?? b64(169),
        prekeys: p.prekeys ?? [{ bundle: b64(1300), expiresAt: Date.now() + HOUR }],
      });
    expect(await failure(publishRaw({ record: b64(513) }))).toBe(ErrorCode.BadRequest);
    expect(await failure(publishRaw({ prekeys: [{ bundle: b64(2049), expiresAt: Date.now() + HOUR }] }))).toBe(ErrorCode.BadRequest);
    expect(await failure(publishRaw({ prekeys: [{ bundle: b64(100), expiresAt: Date.now() - 1 }] }))).toBe(ErrorCode.BadRequest);
    expect(await failure(publishRaw({ prekeys: [{ bundle: b64(100), expiresAt: Date.now() + 9 * 24 * HOUR }] }))).toBe(
      ErrorCode.BadRequest,
    );
    const five = Array.from({ length: 5 }, () => ({ bundle: b64(100), expiresAt: Date.now() + HOUR }));
    expect(await failure(publishRaw({ prekeys: five }))).toBe(ErrorCode.BadRequest);
    // One connection speaks for one device.
    await publish(alice, deviceId);
    expect(await failure(publish(alice))).toBe(ErrorCode.Conflict);
    // At most MAX_DEVICES_PER_MEMBER devices (publishes are rate limited, so a few per connection;
    // each installation closes once published, as the relay also caps a member's open sockets).
    for (let i = 1; i < MAX_DEVICES_PER_MEMBER; i++) {
      const installation = await circle.connect(0);
      await publish(installation);
      installation.close();
    }
    expect(await failure(publish(await circle.connect(0)))).toBe(ErrorCode.QuotaExceeded);
    circle.closeClients();
  });

  it('serves only unexpired bundles, and device lists only for members', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const deviceId = newDeviceId();
    const now = Date.now();
    const soon = { bundle: b64(1300), expiresAt: now + HOUR };
    const later = { bundle: b64(1300), expiresAt: now + 48 * HOUR };
    await alice.connection.request('device:publish', { deviceId, record: b64(169), prekeys: [soon, later] });
    const list = async () => (await bob.connection.request('device:list', { member: alice.me.mailbox })).devices[0]!.prekeys;
    expect(await list()).toEqual([soon, later]);
    clockOffset = 2 * HOUR;
    try {
      expect(await list()).toEqual([later]);
    } finally {
      clockOffset = 0;
    }
    expect(await failure(bob.connection.request('device:list', { member: toHex(nativeSuite.randomBytes(16)) }))).toBe(ErrorCode.NotMember);
    circle.closeClients();
  });
});
