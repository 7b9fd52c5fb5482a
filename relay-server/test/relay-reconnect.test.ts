/**
 * The moments around a (re)connect, where the relay's push-before-write (PROTOCOL.md §10.3) and
 * the client's sync and pending requests meet. Real PostgreSQL: a table lock from a second
 * connection holds a write or a read where a slow disk or a busy server would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { CircleError, ErrorCode, type Conversation } from '@circle/protocol';
import { CircleClient } from '@circle/desktop-app/core';
import { countTextsByMessageId } from './support/member-circle.js';
import { eventually, makeCircle, startTestRelay, type TestRelay } from './support/relay-harness.js';

const direct: Conversation = { kind: 'direct' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('around a reconnect (real PostgreSQL)', () => {
  let relay: TestRelay;
  let locker: pg.Client;
  let watcher: pg.Client;
  /** Waits until the relay has a statement of this kind on the blobs table waiting for the lock. */
  const waitingOnLock = (kind: 'INSERT' | 'SELECT') =>
    eventually(async () => {
      const { rows } = await watcher.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE $1`,
        [`${kind}%blobs%`],
      );
      return rows[0]!.n > 0;
    }, `a ${kind} waiting for the table lock`);
  beforeAll(async () => {
    relay = await startTestRelay('postgresql');
    locker = new pg.Client({ connectionString: relay.databaseUrl });
    watcher = new pg.Client({ connectionString: relay.databaseUrl });
    await Promise.all([locker.connect(), watcher.connect()]);
  });
  afterAll(async () => {
    await locker?.end();
    await watcher?.end();
    await relay?.close();
  });

  it('a member who comes online while a blob for them is being written gets it in the sync that follows, though its push came before they joined', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const alice = await circle.connect(0);
    const bob = await CircleClient.open(circle.files[1]!);
    const bobView = countTextsByMessageId(bob);
    try {
      // SHARE mode holds INSERTs and lets reads through: the put is pushed (to nobody) and not committed.
      await locker.query('BEGIN; LOCK TABLE blobs IN SHARE MODE');
      const sending = alice.send(direct, { type: 'text', text: 'written while you connected' }, [alice.directory.byName('Bob')!]);
      await waitingOnLock('INSERT');
      bob.connect();
      await bob.waitOnline();
      await sleep(300); // Bob's first sync reaches the relay while the write is held
      await locker.query('COMMIT');
      await sending;
      // No second sync and no live push: the first sync has to bring it.
      await eventually(() => bobView.counts.size === 1, "the message at Bob's device");
      expect([...bobView.texts.values()]).toEqual(['written while you connected']);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      bob.close();
      circle.closeClients();
    }
  });

  it('a request the relay has not answered when the connection drops fails at once as Unavailable (the connection), not Timeout (the relay)', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const alice = await circle.connect(0);
    try {
      // ACCESS EXCLUSIVE holds reads too: the relay cannot answer the list while it lasts.
      await locker.query('BEGIN; LOCK TABLE blobs IN ACCESS EXCLUSIVE MODE');
      const listing = alice.connection.request('mailbox:list', {}, 120_000).then(
        () => 'answered',
        (e: unknown) => e,
      );
      await waitingOnLock('SELECT');
      relay.stack.relay.io.disconnectSockets();
      const outcome = await listing;
      expect(outcome).toBeInstanceOf(CircleError);
      expect((outcome as CircleError).code).toBe(ErrorCode.Unavailable);
    } finally {
      await locker.query('ROLLBACK');
    }
    // The client comes back by itself and the same request works again.
    await alice.waitOnline();
    expect(await alice.connection.request('mailbox:list', {})).toEqual({ blobs: [], nextCursor: null });
    circle.closeClients();
  }, 30_000);

  it('a sync that fails after coming online is retried while the connection stays up', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const alice = await circle.connect(0);
    await alice.send(direct, { type: 'text', text: 'waiting for you' }, [alice.directory.byName('Bob')!]);
    const bob = await CircleClient.open(circle.files[1]!);
    const bobView = countTextsByMessageId(bob);
    const internalErrors = () => relay.stack.relay.metrics.requestErrors.render().find((l) => l.includes('"Internal"')) ?? 'none';
    const before = internalErrors();
    await locker.query('ALTER TABLE blobs RENAME TO blobs_away'); // the relay's list fails outright
    try {
      bob.connect();
      await bob.waitOnline();
      await eventually(() => internalErrors() !== before, "Bob's first sync failed at the relay");
    } finally {
      await locker.query('ALTER TABLE blobs_away RENAME TO blobs');
    }
    expect(bobView.counts.size).toBe(0);
    await eventually(() => bobView.counts.size === 1, 'the message, by a retried sync');
    expect([...bobView.texts.values()]).toEqual(['waiting for you']);
    bob.close();
    circle.closeClients();
  });

  it('a presence list answered after a member came online does not mark them offline again', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const alice = await CircleClient.open(circle.files[0]!);
    circle.clients.push(alice);
    const bobForAlice = alice.directory.byName('Bob')!;
    // Alice's presence list is made before Bob connects and reaches her after his update (as when
    // the list waits on another relay node): the relay's answer, held back, never rewritten.
    let bobSeen!: () => void;
    const bobOnline = new Promise<void>((resolve) => (bobSeen = resolve));
    alice.on('presence', ({ member, online }) => member.name === 'Bob' && online && bobSeen());
    const request = alice.connection.request.bind(alice.connection);
    let held = false;
    alice.connection.request = async (name, payload, timeoutMs) => {
      const answer = await request(name, payload, timeoutMs);
      if (name === 'presence:list' && !held) {
        held = true;
        expect((answer as { online: string[] }).online).not.toContain(bobForAlice.mailbox);
        await bobOnline;
      }
      return answer;
    };
    alice.connect();
    await alice.waitOnline();
    await circle.connect(1);
    await bobOnline;
    await alice.connection.request('presence:list', {}); // a round trip: the held list has been applied
    expect(alice.isOnline(bobForAlice)).toBe(true);
    circle.closeClients();
  });

  it('a sync asked for while one runs lists the mailbox once more after it (calls made meanwhile share that one)', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const bob = await circle.connect(1);
    await bob.sync();
    let synced = 0;
    bob.on('synced', () => synced++);
    const first = bob.sync();
    const second = bob.sync();
    const third = bob.sync();
    expect(third).toBe(second);
    expect(second).not.toBe(first);
    await Promise.all([first, second, third]);
    expect(synced).toBe(2);
    circle.closeClients();
  });
});
