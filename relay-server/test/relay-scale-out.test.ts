import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { BLOB_BYTES, ErrorCode, toBase64Url, type Conversation } from '@circle/protocol';
import { ROOM_QUERY_BURST } from '../src/handlers/call-invitations.js';
import type { CircleClient, Contact } from '@circle/desktop-app/core';
import { countTextsByMessageId, generateCircle, seedAllowlist, type MemberCircle } from './support/member-circle.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { eventually } from './support/relay-harness.js';
import { freePort } from './support/free-port.js';
import { spawnRelay, type RelayProcess } from './support/relay-process.js';

const direct: Conversation = { kind: 'direct' };

/** Ids of blobs the relay pushed to this client live ('blob:new'), as opposed to ones it fetched by syncing. */
function livePushes(client: CircleClient): Set<string> {
  const ids = new Set<string>();
  client.connection.on('blob:new', (b) => ids.add(b.id));
  return ids;
}

function presenceOf(client: CircleClient): { member: string; online: boolean }[] {
  const events: { member: string; online: boolean }[] = [];
  client.on('presence', ({ member, online }) => events.push({ member: member.name, online }));
  return events;
}

describe('scale-out: two relay processes on one PostgreSQL (RELAY_CLUSTER=postgres)', () => {
  let postgres: TestPostgres | undefined;
  const relays: RelayProcess[] = [];
  let circle: MemberCircle;
  let relay1: RelayProcess;
  let relay2: RelayProcess;

  beforeAll(async () => {
    postgres = await startPostgres();
    const env = { DATABASE_URL: postgres.url, RELAY_CLUSTER: 'postgres' };
    // One after the other: the first one migrates the shared database.
    for (let i = 0; i < 2; i++) relays.push(await spawnRelay({ port: await freePort(), env }));
    [relay1, relay2] = relays as [RelayProcess, RelayProcess];
    // The identity files name relay 1; members on relay 2 override the URL (and so sign for relay 2's origin).
    circle = await generateCircle(relay1.url, ['Alice', 'Bob', 'Carol']);
    await seedAllowlist(postgres.url, circle.seeds);
  });
  afterAll(async () => {
    circle?.closeClients();
    for (const r of relays) await r.stop();
    await postgres?.stop();
  });

  it('two relay processes sharing one PostgreSQL deliver live to each other’s clients, both ways, and share presence', async () => {
    const alice = await circle.open(0);
    const bob = await circle.open(1, { relayUrl: relay2.url });
    const [aliceInbox, bobInbox] = [countTextsByMessageId(alice), countTextsByMessageId(bob)];
    const [aliceLive, bobLive] = [livePushes(alice), livePushes(bob)];
    const alicePresence = presenceOf(alice);
    await circle.connect(alice);
    await circle.connect(bob);
    expect(alice.connection.relayUrl).toBe(relay1.url);
    expect(bob.connection.relayUrl).toBe(relay2.url);
    const bobForAlice: Contact = alice.directory.byName('Bob')!;
    const aliceForBob: Contact = bob.directory.byName('Alice')!;

    // Presence crosses nodes: Bob came online on relay 2 after Alice, so relay 1 must have told her;
    // Bob learns Alice is online from relay 2's presence list, which asks relay 1 too.
    await eventually(() => alice.isOnline(bobForAlice), 'Alice (relay 1) sees Bob (relay 2) online');
    await eventually(() => bob.isOnline(aliceForBob), 'Bob (relay 2) sees Alice (relay 1) online');
    expect(alicePresence).toContainEqual({ member: 'Bob', online: true });

    // Let each client's on-connect sync finish, so what follows can only arrive by live push.
    await Promise.all([alice.sync(), bob.sync()]);

    const toBob = await alice.send(direct, { type: 'text', text: 'hello from relay 1' }, [bobForAlice]);
    await eventually(() => bobInbox.counts.has(toBob.messageId), 'Bob receives Alice’s message live');
    expect(bobLive.has(toBob.copies[0]!.blobId)).toBe(true);
    expect(bobInbox.texts.get(toBob.messageId)).toBe('hello from relay 1');
    expect(bobInbox.inbox.find((m) => m.messageId === toBob.messageId)!.from.name).toBe('Alice');

    const toAlice = await bob.send(direct, { type: 'text', text: 'hello back from relay 2' }, [aliceForBob]);
    await eventually(() => aliceInbox.counts.has(toAlice.messageId), 'Alice receives Bob’s message live');
    expect(aliceLive.has(toAlice.copies[0]!.blobId)).toBe(true);
    expect(aliceInbox.texts.get(toAlice.messageId)).toBe('hello back from relay 2');

    // Each exactly once: the push from the other node does not double up with anything.
    expect([...bobInbox.counts.values()]).toEqual([1]);
    expect([...aliceInbox.counts.values()]).toEqual([1]);

    // Bob leaves relay 2: Alice on relay 1 hears it.
    bob.close();
    await eventually(() => !alice.isOnline(bobForAlice), 'Alice sees Bob go offline');
    expect(alicePresence.at(-1)).toEqual({ member: 'Bob', online: false });
  });

  it('a call spans relay nodes: created on relay 1, joined on relay 2, closed on both when empty', async () => {
    const alice = await circle.connect(0);
    const bob = await circle.connect(1, { relayUrl: relay2.url });
    const carol = await circle.connect(2, { relayUrl: relay2.url });
    const heard: string[] = [];
    alice.on('call-member', ({ member, joined }) => heard.push(`${member.name} ${joined ? 'joined' : 'left'}`));
    const { roomId } = await alice.connection.request('call:create', { invited: [bob.me.mailbox] });
    await alice.connection.request('call:join', { roomId });

    // Relay 2 learns the invitation from relay 1, and who is in the call from relay 1's sockets.
    const join = () =>
      bob.connection.request('call:join', { roomId }).then(
        (r) => r.members,
        (e: { code: string }) => e.code,
      );
    await eventually(async () => Array.isArray(await join()), 'Bob (relay 2) may join the call made on relay 1');
    expect(await join()).toEqual([alice.me.mailbox]);
    await eventually(() => heard.includes('Bob joined'), 'Alice (relay 1) hears Bob join on relay 2');
    const refused = await carol.connection.request('call:join', { roomId }).then(
      () => 'joined',
      (e: { code: string }) => e.code,
    );
    expect(refused).toBe(ErrorCode.Forbidden);

    await bob.connection.request('call:leave', { roomId });
    await eventually(() => heard.includes('Bob left'), 'Alice hears Bob leave on relay 2');
    await alice.connection.request('call:leave', { roomId });
    // Empty now: closed on relay 2 too.
    await eventually(async () => (await join()) === ErrorCode.Forbidden, 'relay 2 closes the room');
    alice.close();
    bob.close();
    carol.close();
  });

  it('a relay node started after a call opened asks the others when a member joins it, and still refuses the uninvited', async () => {
    const alice = await circle.connect(0);
    const { roomId } = await alice.connection.request('call:create', { invited: [alice.directory.byName('Bob')!.mailbox] });
    await alice.connection.request('call:join', { roomId });
    const late = await spawnRelay({ port: await freePort(), env: { DATABASE_URL: postgres!.url, RELAY_CLUSTER: 'postgres' } });
    relays.push(late);
    const bob = await circle.connect(1, { relayUrl: late.url });
    const carol = await circle.connect(2, { relayUrl: late.url });
    // The room's note went out before this node listened; it learns the room from relay 1 on demand.
    const join = () =>
      bob.connection.request('call:join', { roomId }).then(
        (r) => r.members,
        (e: { code: string }) => e.code,
      );
    await eventually(async () => Array.isArray(await join()), 'Bob (late relay) may join the call made on relay 1', 20_000);
    expect(await join()).toEqual([alice.me.mailbox]);
    expect(
      await carol.connection.request('call:join', { roomId }).then(
        () => 'joined',
        (e: { code: string }) => e.code,
      ),
    ).toBe(ErrorCode.Forbidden);
    alice.close();
    bob.close();
    carol.close();
  });

  it('a member asking to join calls no node knows is slowed after a burst, since each such join queries every other node', async () => {
    const carol = await circle.connect(2, { relayUrl: relay2.url });
    const joinUnknown = () =>
      carol.connection.request('call:join', { roomId: toBase64Url(randomBytes(16)) }).then(
        () => 'joined',
        (e: { code: string }) => e.code,
      );
    const answers: string[] = [];
    for (let i = 0; i < ROOM_QUERY_BURST + 2; i++) answers.push(await joinUnknown());
    // Unknown rooms answer like rooms one is not invited to, until the burst is spent.
    expect(answers).toEqual([...Array(ROOM_QUERY_BURST).fill(ErrorCode.Forbidden), ErrorCode.RateLimited, ErrorCode.RateLimited]);
    // Another member is not slowed by Carol's probing: Bob still joins a call made on relay 1.
    const alice = await circle.connect(0);
    const bob = await circle.connect(1, { relayUrl: relay2.url });
    const { roomId } = await alice.connection.request('call:create', { invited: [alice.directory.byName('Bob')!.mailbox] });
    await eventually(
      async () =>
        Array.isArray(
          await bob.connection.request('call:join', { roomId }).then(
            (r) => r.members,
            () => null,
          ),
        ),
      'Bob joins on relay 2',
      20_000,
    );
    for (const c of [alice, bob, carol]) c.close();
  });

  it('a blob stored through relay 1 is listed and fetched through relay 2', async () => {
    const alice = await circle.connect(0);
    const carolForAlice = alice.directory.byName('Carol')!;
    // Carol is offline: the message waits in the shared database.
    const sent = await alice.send(direct, { type: 'text', text: 'stored on relay 1, read on relay 2' }, [carolForAlice]);
    const blobId = sent.copies[0]!.blobId;

    const carol = await circle.open(2, { relayUrl: relay2.url });
    const carolInbox = countTextsByMessageId(carol);
    await circle.connect(carol);
    const listed = await carol.connection.request('mailbox:list', { limit: 500 });
    expect(listed.blobs.map((b) => b.id)).toContain(blobId);
    const { blobs } = await carol.connection.request('blob:fetch', { ids: [blobId] });
    expect(blobs).toHaveLength(1);
    expect(blobs[0]!.bytes.length).toBe(BLOB_BYTES);

    await carol.sync();
    expect(carolInbox.texts.get(sent.messageId)).toBe('stored on relay 1, read on relay 2');
    expect(carolInbox.counts.get(sent.messageId)).toBe(1);
  });
});
