import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, MAX_CALL_MEMBERS } from '@circle/protocol';
import { MAX_OPEN_CALLS } from '../src/handlers/call-invitations.js';
import type { CircleClient } from '@circle/desktop-app/core';
import { eventually, makeCircle, startTestRelay, type TestRelay } from './support/relay-harness.js';

/** call:member pushes a client saw, as "name joined" / "name left". */
function callEvents(client: CircleClient): string[] {
  const events: string[] = [];
  client.on('call-member', ({ member, joined }) => events.push(`${member.name} ${joined ? 'joined' : 'left'}`));
  return events;
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'error',
  );

describe('call rooms on one relay', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay('postgresql');
  });
  afterAll(async () => relay?.close());

  it('admits only invited members; a stranger and an unknown room get the same Forbidden', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob', 'Carol']);
    const [alice, bob, carol] = (await Promise.all([0, 1, 2].map((i) => circle.connect(i)))) as [CircleClient, CircleClient, CircleClient];
    const { roomId } = await alice.connection.request('call:create', { invited: [alice.directory.byName('Bob')!.mailbox] });
    expect(await codeOf(carol.connection.request('call:join', { roomId }))).toBe(ErrorCode.Forbidden);
    expect(await codeOf(bob.connection.request('call:join', { roomId: 'A'.repeat(22) }))).toBe(ErrorCode.Forbidden);
    expect(await bob.connection.request('call:join', { roomId })).toEqual({ members: [] });
    circle.closeClients();
  });

  it('tells members who is there, who joins and who leaves; a second device is the same member', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const aliceEvents = callEvents(alice);
    const { roomId } = await alice.connection.request('call:create', { invited: [bob.me.mailbox] });
    expect(await alice.connection.request('call:join', { roomId })).toEqual({ members: [] });
    expect(await bob.connection.request('call:join', { roomId })).toEqual({ members: [alice.me.mailbox] });
    await eventually(() => aliceEvents.includes('Bob joined'), 'Alice hears Bob join');

    const bobPhone = await circle.connect(1);
    expect(await bobPhone.connection.request('call:join', { roomId })).toEqual({ members: [alice.me.mailbox] });
    await bob.connection.request('call:leave', { roomId });
    await bobPhone.connection.request('presence:list', {}); // a round trip after the leave
    expect(aliceEvents).not.toContain('Bob left'); // his phone is still in the call
    bobPhone.close(); // disconnecting counts as leaving
    await eventually(() => aliceEvents.includes('Bob left'), 'Alice hears Bob leave when his last device goes');
    circle.closeClients();
  });

  it(`holds at most ${MAX_CALL_MEMBERS} members: an invitation names at most ${MAX_CALL_MEMBERS - 1} others`, async () => {
    const names = Array.from({ length: MAX_CALL_MEMBERS + 1 }, (_, i) => `Member ${i}`);
    const circle = await makeCircle(relay, names);
    const clients = await Promise.all(names.map((_, i) => circle.connect(i)));
    const [caller, ...others] = clients as [CircleClient, ...CircleClient[]];
    expect(await codeOf(caller.connection.request('call:create', { invited: others.map((c) => c.me.mailbox) }))).toBe(ErrorCode.BadRequest);
    const { roomId } = await caller.connection.request('call:create', {
      invited: others.slice(0, MAX_CALL_MEMBERS - 1).map((c) => c.me.mailbox),
    });
    for (const c of clients.slice(0, MAX_CALL_MEMBERS)) await c.connection.request('call:join', { roomId });
    expect((await clients[1]!.connection.request('call:join', { roomId })).members).toHaveLength(MAX_CALL_MEMBERS - 1);
    expect(await codeOf(clients[MAX_CALL_MEMBERS]!.connection.request('call:join', { roomId }))).toBe(ErrorCode.Forbidden);
    circle.closeClients();
  });

  it('closes the room when its last member leaves: it cannot be joined again', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const { roomId } = await alice.connection.request('call:create', { invited: [bob.me.mailbox] });
    await alice.connection.request('call:join', { roomId });
    await alice.connection.request('call:leave', { roomId });
    expect(await codeOf(bob.connection.request('call:join', { roomId }))).toBe(ErrorCode.Forbidden);
    circle.closeClients();
  });

  it(`lets a member have at most ${MAX_OPEN_CALLS} rooms open; closing one makes room for another`, async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const create = () => alice.connection.request('call:create', { invited: [bob.me.mailbox] });
    const rooms = [];
    for (let i = 0; i < MAX_OPEN_CALLS; i++) rooms.push((await create()).roomId);
    expect(await codeOf(create())).toBe(ErrorCode.RateLimited);
    expect(await codeOf(bob.connection.request('call:create', { invited: [alice.me.mailbox] }))).toBe('ok'); // Bob's own count
    await alice.connection.request('call:join', { roomId: rooms[0]! });
    await alice.connection.request('call:leave', { roomId: rooms[0]! });
    expect(await codeOf(create())).toBe('ok');
    circle.closeClients();
  });
});

describe('call rooms nobody joins', () => {
  const IDLE_MS = 300;
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay('pglite', { callRoomIdleMs: IDLE_MS });
  });
  afterAll(async () => relay?.close());

  it('close after the idle time; a room with a member in it stays open', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const unanswered = (await alice.connection.request('call:create', { invited: [bob.me.mailbox] })).roomId;
    const answered = (await alice.connection.request('call:create', { invited: [bob.me.mailbox] })).roomId;
    await alice.connection.request('call:join', { roomId: answered });
    await new Promise((r) => setTimeout(r, 3 * IDLE_MS)); // both rooms' idle checks have run
    expect(await codeOf(bob.connection.request('call:join', { roomId: unanswered }))).toBe(ErrorCode.Forbidden);
    expect(await bob.connection.request('call:join', { roomId: answered })).toEqual({ members: [alice.me.mailbox] });
    circle.closeClients();
  });
});
