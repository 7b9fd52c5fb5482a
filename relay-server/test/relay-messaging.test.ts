import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_CAPACITY, DAY_MS, nativeSuite, toHex, type Conversation, type FileManifest } from '@circle/protocol';
import { CircleClient, Timeline, messageKey, type ReceivedMessage } from '@circle/desktop-app/core';
import { eventually, makeCircle, startTestRelay, type DatabaseKindName, type TestRelay } from './support/relay-harness.js';

const direct: Conversation = { kind: 'direct' };
const texts = (inbox: ReceivedMessage[]) =>
  inbox.filter((m) => m.content.body.type === 'text').map((m) => (m.content.body as { text: string }).text);
const collect = (client: CircleClient) => {
  const inbox: ReceivedMessage[] = [];
  client.on('message', (m) => inbox.push(m));
  return inbox;
};

/** The blob ids `client` asks the relay for, as it asks; every request still goes to the relay. */
function watchFetches(client: CircleClient): string[] {
  const fetched: string[] = [];
  const request = client.connection.request.bind(client.connection);
  client.connection.request = (name, payload, timeoutMs) => {
    if (name === 'blob:fetch') fetched.push(...(payload as { ids: string[] }).ids);
    return request(name, payload, timeoutMs);
  };
  return fetched;
}

describe.each<DatabaseKindName>(['postgresql', 'pglite'])('relay messaging on %s', (kind) => {
  let relay: TestRelay;
  let now = Date.now();
  beforeAll(async () => {
    relay = await startTestRelay(kind, { clock: () => now });
  });
  afterAll(async () => relay?.close());

  it('two members exchange messages live, both ways', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const [aliceInbox, bobInbox] = [collect(alice), collect(bob)];
    const bobForAlice = alice.directory.byName('Bob')!;
    const aliceForBob = bob.directory.byName('Alice')!;
    await alice.send(direct, { type: 'text', text: 'hi Bob' }, [bobForAlice]);
    await bob.send(direct, { type: 'text', text: 'hi Alice, 日本語 ok' }, [aliceForBob]);
    await eventually(() => texts(bobInbox).includes('hi Bob') && texts(aliceInbox).includes('hi Alice, 日本語 ok'), 'both messages');
    const got = bobInbox.find((m) => texts([m]).length)!;
    expect(got.from.name).toBe('Alice');
    expect(got.fromMe).toBe(false);
    circle.closeClients();
  });

  it('a member offline receives everything on return, and the sender sees its own copy on a second device', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const alice = await circle.connect(0);
    const bob = alice.directory.byName('Bob')!;
    for (let i = 0; i < 5; i++) await alice.send(direct, { type: 'text', text: `offline ${i}` }, [bob]);
    const bobClient = await circle.connect(1);
    const inbox = collect(bobClient);
    await bobClient.sync();
    expect(texts(inbox).sort()).toEqual(['offline 0', 'offline 1', 'offline 2', 'offline 3', 'offline 4']);
    const aliceSecondDevice = await circle.connect(0);
    const own = collect(aliceSecondDevice);
    await aliceSecondDevice.sync();
    expect(own.filter((m) => m.fromMe && m.content.sent?.copies[0]?.to === bob.id)).toHaveLength(5);
    circle.closeClients();
  });

  it('twenty members all exchange with each other', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `Member ${i + 1}`);
    const circle = await makeCircle(relay, names);
    const clients = await Promise.all(names.map((_, i) => circle.connect(i)));
    const inboxes = clients.map(collect);
    await Promise.all(
      clients.map((c, i) => {
        const next = c.directory.byName(names[(i + 1) % 20]!)!;
        return c.send(direct, { type: 'text', text: `from ${i} to ${(i + 1) % 20}` }, [next]);
      }),
    );
    await eventually(
      () => inboxes.every((inbox, i) => texts(inbox).includes(`from ${(i + 19) % 20} to ${i}`)),
      'every member got their message',
    );
    circle.closeClients();
  });

  it('a group message fans out to every member, sealed separately', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob', 'Carol', 'Dave']);
    const clients = await Promise.all([0, 1, 2, 3].map((i) => circle.connect(i)));
    const inboxes = clients.map(collect);
    const alice = clients[0]!;
    const members = alice.directory.contacts;
    const group: Conversation = {
      kind: 'group',
      id: toHex(nativeSuite.randomBytes(16)),
      name: 'Family',
      members: members.map((m) => m.id),
    };
    const sent = await alice.send(group, { type: 'text', text: 'dinner at 7' }, alice.recipientsOf(group));
    expect(sent.copies).toHaveLength(3);
    expect(new Set(sent.copies.map((c) => c.blobId)).size).toBe(3);
    await eventually(() => inboxes.slice(1).every((inbox) => texts(inbox).includes('dinner at 7')), 'all three got it');
    for (const inbox of inboxes.slice(1)) expect(inbox.find((m) => texts([m]).length)!.content.conversation).toEqual(group);
    circle.closeClients();
  });

  it('a 20 MiB file arrives byte-identical', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const bobInbox = collect(bob);
    const bytes = nativeSuite.randomBytes(20 * 1024 * 1024);
    let lastProgress = 0;
    await alice.sendFile(direct, { name: 'video.bin', mime: 'application/octet-stream', bytes }, [alice.directory.byName('Bob')!], {
      onProgress: (p) => (lastProgress = p.done / p.total),
    });
    expect(lastProgress).toBe(1);
    await eventually(() => bobInbox.some((m) => m.content.body.type === 'file'), 'the file manifest', 60_000);
    const manifest = bobInbox.find((m) => m.content.body.type === 'file')!.content.body as {
      type: 'file';
      file: Parameters<CircleClient['downloadFile']>[0];
    };
    const got = await bob.downloadFile(manifest.file);
    expect(got.length).toBe(bytes.length);
    expect(toHex(await nativeSuite.sha256(got))).toBe(toHex(await nativeSuite.sha256(bytes)));
    circle.closeClients();
  }, 180_000);

  it('a member coming online syncs a file message without its chunks, and fetches them when the file is opened', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const alice = await circle.connect(0);
    const bytes = nativeSuite.randomBytes(5 * CHUNK_CAPACITY);
    const sent = await alice.sendFile(direct, { name: 'photos.zip', mime: 'application/zip', bytes }, [alice.directory.byName('Bob')!]);
    const chunkIds = new Set(sent.files[0]!.chunks);
    expect(chunkIds.size).toBe(5);

    const bob = await CircleClient.open(circle.files[1]!);
    circle.clients.push(bob);
    const fetched = watchFetches(bob);
    const inbox = collect(bob);
    bob.connect();
    await bob.waitOnline();
    await bob.sync(); // the sync that coming online started
    const file = inbox.find((m) => m.messageId === sent.messageId);
    expect(file?.content.body.type).toBe('file');
    expect(fetched).toContain(sent.copies[0]!.blobId);
    expect(fetched.filter((id) => chunkIds.has(id))).toEqual([]);

    const got = await bob.downloadFile((file!.content.body as { file: FileManifest }).file);
    expect(toHex(got)).toBe(toHex(bytes));
    expect(fetched.filter((id) => chunkIds.has(id)).sort()).toEqual([...chunkIds].sort());
    circle.closeClients();
  });

  it('a member online when a file arrives opens it from the chunks pushed live, without fetching them again', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const fetched = watchFetches(bob);
    const inbox = collect(bob);
    const bytes = nativeSuite.randomBytes(5 * CHUNK_CAPACITY + 1);
    const sent = await alice.sendFile(direct, { name: 'notes.pdf', mime: 'application/pdf', bytes }, [alice.directory.byName('Bob')!]);
    const chunkIds = sent.files[0]!.chunks;
    expect(chunkIds).toHaveLength(6);
    await eventually(() => inbox.some((m) => m.messageId === sent.messageId), 'the file message, live');
    const file = inbox.find((m) => m.messageId === sent.messageId)!;
    const got = await bob.downloadFile((file.content.body as { file: FileManifest }).file);
    expect(toHex(got)).toBe(toHex(bytes));
    expect(fetched).toEqual([]);
    // A kept chunk is used once: opening the file again fetches what the relay still holds.
    expect(toHex(await bob.downloadFile((file.content.body as { file: FileManifest }).file))).toBe(toHex(bytes));
    expect([...fetched].sort()).toEqual([...chunkIds].sort());
    circle.closeClients();
  });

  it('unsend of a group file deletes every copy, the chunks included, also from a second device that saw only its own copies', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob', 'Carol']);
    const alice = await circle.connect(0);
    const group: Conversation = {
      kind: 'group',
      id: toHex(nativeSuite.randomBytes(16)),
      name: 'Plans',
      members: alice.directory.contacts.map((m) => m.id),
    };
    const bytes = nativeSuite.randomBytes(3 * CHUNK_CAPACITY + 10); // 4 chunks
    const sent = await alice.sendFile(group, { name: 'plan.pdf', mime: 'application/pdf', bytes }, alice.recipientsOf(group));
    const storedIds = async () => new Set((await relay.stack.prisma.blob.findMany({ select: { id: true } })).map((r) => r.id));
    // Per recipient: 4 chunks and a manifest; and one own copy per recipient.
    const ofMessage = [...sent.copies.map((c) => c.blobId), ...sent.files.flatMap((f) => f.chunks), ...sent.ownBlobIds];
    expect(sent.files).toHaveLength(2);
    expect(sent.ownBlobIds).toHaveLength(2);
    expect(new Set(ofMessage).size).toBe(12);
    const before = await storedIds();
    for (const id of ofMessage) expect(before.has(id)).toBe(true);

    // Alice's other device knows the message only from her own copies in her mailbox.
    const secondDevice = await circle.connect(0);
    const own = collect(secondDevice);
    await secondDevice.sync();
    const timeline = new Timeline(secondDevice.me, (id) => secondDevice.directory.get(id));
    for (const r of own) timeline.apply(r);
    const m = timeline.get(messageKey(alice.me.id, sent.messageId))!;
    expect(new Set(m.ownBlobIds)).toEqual(new Set(sent.ownBlobIds));
    expect(m.sentFiles.map((f) => f.id).sort()).toEqual(sent.files.map((f) => f.id).sort());
    expect(m.sentCopy?.copies.map((c) => c.blobId).sort()).toEqual(sent.copies.map((c) => c.blobId).sort());

    await secondDevice.unsend(
      group,
      sent.messageId,
      { sent: m.sentCopy, ownBlobIds: m.ownBlobIds, files: m.sentFiles },
      secondDevice.recipientsOf(group),
    );
    const after = await storedIds();
    for (const id of ofMessage) expect(after.has(id), id).toBe(false);
    // What is left of it: the unsend notice, one copy per recipient and one own copy.
    expect([...after].filter((id) => !before.has(id))).toHaveLength(3);
    circle.closeClients();
  });

  it('the sweep removes expired blobs and only those', async () => {
    const circle = await makeCircle(relay, ['Alice', 'Bob']);
    const alice = await circle.connect(0);
    const bob = alice.directory.byName('Bob')!;
    const before = await relay.stack.blobs.count();
    const early = await alice.send(direct, { type: 'text', text: 'old news' }, [bob]);
    now += 2 * DAY_MS; // the next message is "sent" two days later
    const late = await alice.send(direct, { type: 'text', text: 'fresh news' }, [bob]);
    const oldest = Math.max(...early.copies.map((c) => c.expiresAt));
    const newest = Math.min(...late.copies.map((c) => c.expiresAt));
    expect(newest).toBeGreaterThan(oldest);
    now = oldest + 1; // past the first message's expiry, before the second's
    const swept = await relay.stack.sweeper!.sweepNow();
    expect(swept).toBeGreaterThanOrEqual(2); // Bob's copy and Alice's own copy of "old news"
    const ids = new Set((await relay.stack.prisma.blob.findMany({ select: { id: true } })).map((r) => r.id));
    for (const c of early.copies) expect(ids.has(c.blobId)).toBe(false);
    for (const c of late.copies) expect(ids.has(c.blobId)).toBe(true);
    expect(await relay.stack.blobs.count()).toBe(before + 4 - swept);
    now = Date.now();
    circle.closeClients();
  });
});
