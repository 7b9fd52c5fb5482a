import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DAY_MS, SIGNAL_MAX_SKEW_MS, type Conversation } from '@circle/protocol';
import { CircleClient, type ReceivedMessage, type ReceivedSignal } from '@circle/desktop-app/core';
import { eventually, makeCircle, startTestRelay, type TestRelay } from './support/relay-harness.js';

// The relay is the adversary here: it records a frame or a blob and hands it back later, to an
// app that has restarted since (a fresh replay guard). Members' clocks jump forward with
// vi.setSystemTime; the relay keeps the real clock, so it still holds what it recorded.
const direct: Conversation = { kind: 'direct' };
const realNow = () => performance.timeOrigin + performance.now();
const texts = (inbox: ReceivedMessage[]) => inbox.flatMap((m) => (m.content.body.type === 'text' ? [m.content.body.text] : []));

describe('freshness across restarts', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay('postgresql', { clock: realNow });
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => relay?.close());

  it('a live signal recorded and replayed after the receiver restarted is ignored', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const recorded: Uint8Array[] = [];
    alice.connection.on('signal:recv', (s) => recorded.push(s.bytes));
    const aliceForBob = bob.directory.byName('Alice')!;
    await bob.signal(aliceForBob, { kind: 'typing', conversation: direct });
    await eventually(() => recorded.length === 1, 'the signal reached Alice');
    alice.close();

    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(realNow() + SIGNAL_MAX_SKEW_MS + 60_000);
    const restarted: CircleClient = await circle.connect(0);
    const signals: ReceivedSignal[] = [];
    restarted.on('signal', (s) => signals.push(s));
    await bob.connection.request('signal:send', { to: aliceForBob.mailbox, bytes: recorded[0]! });
    await bob.signal(aliceForBob, { kind: 'typing', conversation: direct }); // fresh, sent after the replay
    await eventually(() => signals.length >= 1, 'the fresh signal');
    await new Promise((r) => setTimeout(r, 200));
    expect(signals).toHaveLength(1);
    circle.closeClients();
  });

  it('a message older than any relay may keep it is not shown when the relay hands it back', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const bob = await circle.connect(1);
    const aliceForBob = bob.directory.byName('Alice')!;
    await bob.send(direct, { type: 'text', text: 'old news' }, [aliceForBob]);

    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(realNow() + 5 * DAY_MS);
    await bob.send(direct, { type: 'text', text: 'today' }, [aliceForBob]);
    const alice = await CircleClient.open(circle.files[0]!);
    circle.clients.push(alice);
    const inbox: ReceivedMessage[] = [];
    alice.on('message', (m) => inbox.push(m));
    alice.connect();
    await alice.waitOnline();
    await alice.sync();
    expect(texts(inbox)).toEqual(['today']);
    circle.closeClients();
  });
});
