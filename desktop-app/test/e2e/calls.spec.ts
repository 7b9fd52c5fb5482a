import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircleClient } from '@circle/desktop-app/core';
import { ErrorCode } from '@circle/protocol';
import { openAs, openChatWith, screenshot, startWorld, type Member, type World } from './support/circle-app.js';

interface PeerStats {
  id: string;
  connected: boolean;
  candidateType?: string;
  bytesReceived: number;
  bytesSent: number;
  audioBytesSent: number;
  remoteVideoTracks: number;
  iceUfrag?: string;
}

const stats = (m: Member) =>
  m.page.evaluate(() => (window as unknown as { circleCallDiagnostics: { stats(): Promise<PeerStats[]> } }).circleCallDiagnostics.stats());
const roomId = (m: Member) =>
  m.page.evaluate(() => (window as unknown as { circleCallDiagnostics: { roomId(): string | undefined } }).circleCallDiagnostics.roomId());

/** Waits until every peer's inbound bytes grew by `by` from now. */
async function inboundGrows(m: Member, peers: number, by = 5000): Promise<void> {
  await expect.poll(async () => (await stats(m)).filter((s) => s.connected).length, { timeout: 30_000 }).toBe(peers);
  const before = await stats(m);
  await expect
    .poll(
      async () => {
        const now = await stats(m);
        return now.every((s) => s.bytesReceived >= (before.find((b) => b.id === s.id)?.bytesReceived ?? 0) + by);
      },
      { timeout: 20_000 },
    )
    .toBe(true);
}

async function answer(m: Member): Promise<void> {
  await m.page.getByRole('button', { name: 'Accept' }).click({ timeout: 20_000 });
}

async function hangup(m: Member): Promise<void> {
  await m.page.getByRole('button', { name: 'Hang up' }).click();
}

describe('calls through a real coturn, relay-only', () => {
  let world: World;
  let alice: Member;
  let bob: Member;
  let carol: Member;

  beforeAll(async () => {
    world = await startWorld(['Alice', 'Bob', 'Carol', 'Dave'], { turn: true });
    alice = await openAs(world, world.identityPath(0));
    bob = await openAs(world, world.identityPath(1));
    carol = await openAs(world, world.identityPath(2));
  }, 120_000);
  afterAll(async () => world?.close());

  it('a 1:1 video call connects through a relay candidate and media flows both ways', async () => {
    await openChatWith(alice, 'Bob');
    await alice.page.getByRole('button', { name: 'Video call' }).click();
    await answer(bob);
    await inboundGrows(alice, 1);
    await inboundGrows(bob, 1);
    for (const m of [alice, bob]) {
      const [s] = await stats(m);
      expect(s!.candidateType).toBe('relay');
    }
    await screenshot(alice, 'call-video');
  }, 90_000);

  it('mute stops outbound audio', async () => {
    await alice.page.getByRole('button', { name: 'Mute', exact: true }).click();
    await new Promise((r) => setTimeout(r, 1500));
    const a = (await stats(alice))[0]!.audioBytesSent;
    await new Promise((r) => setTimeout(r, 2000));
    const b = (await stats(alice))[0]!.audioBytesSent;
    expect(b - a).toBeLessThan(500);
    await alice.page.getByRole('button', { name: 'Unmute' }).click();
    await expect.poll(async () => (await stats(alice))[0]!.audioBytesSent, { timeout: 10_000 }).toBeGreaterThan(b + 2000);
  }, 60_000);

  it('screen share adds a video track seen by the peer', async () => {
    const before = (await stats(bob))[0]!.remoteVideoTracks;
    await alice.page.getByRole('button', { name: 'Share screen' }).click();
    await expect.poll(async () => (await stats(bob))[0]!.remoteVideoTracks, { timeout: 30_000 }).toBe(before + 1);
    await screenshot(bob, 'call-screen-share');
    await alice.page.getByRole('button', { name: 'Stop sharing' }).click();
  }, 60_000);

  it('the call survives a forced ICE restart', async () => {
    const ufragBefore = (await stats(bob))[0]!.iceUfrag;
    await alice.page.evaluate(() =>
      (window as unknown as { circleCallDiagnostics: { restartIce(): void } }).circleCallDiagnostics.restartIce(),
    );
    await expect.poll(async () => (await stats(bob))[0]!.iceUfrag, { timeout: 20_000 }).not.toBe(ufragBefore);
    await inboundGrows(alice, 1);
    await inboundGrows(bob, 1);
  }, 60_000);

  it('hang up, then call again', async () => {
    await hangup(alice);
    await expect.poll(() => bob.page.locator('.call-panel').count(), { timeout: 15_000 }).toBe(0);
    await alice.page.locator('p.call-entry', { hasText: /Video call ·/ }).waitFor({ timeout: 15_000 });
    await bob.page.locator('button.conv[data-conv="Alice"]').click();
    await bob.page.locator('p.call-entry', { hasText: /Video call ·/ }).waitFor({ timeout: 15_000 });
    expect(await alice.page.locator('p.call-entry').count()).toBe(1); // only the caller logs the call
    await alice.page.getByRole('button', { name: 'Voice call' }).click();
    await answer(bob);
    await inboundGrows(alice, 1);
    await hangup(bob);
    await expect.poll(() => alice.page.locator('.call-panel').count(), { timeout: 15_000 }).toBe(0);
  }, 90_000);

  it('a 3-member group call: each member receives the other two', async () => {
    await alice.page.getByRole('button', { name: '+ New group' }).click();
    await alice.page.locator('#group-name').fill('Call group');
    await alice.page.getByRole('checkbox', { name: 'Bob' }).check();
    await alice.page.getByRole('checkbox', { name: 'Carol' }).check();
    await alice.page.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('button', { name: 'Video call' }).click();
    await answer(bob);
    await answer(carol);
    for (const m of [alice, bob, carol]) await inboundGrows(m, 2);
    await screenshot(carol, 'call-group');
  }, 120_000);

  it('a member not invited cannot join: the relay refuses', async () => {
    const room = await roomId(alice);
    expect(room).toBeTruthy();
    const dave = await CircleClient.open(world.circle.files[3]!);
    dave.connect();
    await dave.waitOnline();
    const refused = await dave.connection.request('call:join', { roomId: room! }).then(
      () => 'joined',
      (e: { code: string }) => e.code,
    );
    expect(refused).toBe(ErrorCode.Forbidden);
    dave.close();
    for (const m of [alice, bob, carol]) expect((await stats(m)).length).toBe(2);
    for (const m of [alice, bob, carol]) await hangup(m);
  }, 60_000);
});
