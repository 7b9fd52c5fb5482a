/**
 * The relay against one hostile member (issue 17): a valid identity, raw Socket.IO and HTTP,
 * against a real relay on a real PostgreSQL. One test per attack; the memory and revocation
 * tests run the relay as its own process (its RSS is read from /proc, `npm run revoke` is run).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import pg from 'pg';
import { BLOB_BYTES, ErrorCode, SIGNAL_BYTES, keyHash, mailboxAddress, nativeSuite, toHex, type MemberKeys } from '@circle/protocol';
import { runScript } from '../../scripts/test/run-script.js';
import { floodBlobFetch, rawLogin } from './support/fetch-flood.js';
import { freePort } from './support/free-port.js';
import { countTextsByMessageId, generateCircle, seedAllowlist, type MemberCircle } from './support/member-circle.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { spawnRelay, type RelayProcess } from './support/relay-process.js';
import { eventually, makeCircle, startTestRelay, type TestCircle, type TestRelay } from './support/relay-harness.js';

interface Answer {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

const frame = (bytes = BLOB_BYTES) => {
  const f = nativeSuite.randomBytes(bytes);
  f[0] = 1;
  return f;
};
const proofHash = () => toHex(nativeSuite.randomBytes(32));

const rawConnect = rawLogin;

async function connected(url: string, keys: MemberKeys): Promise<Socket> {
  const r = await rawConnect(url, keys);
  if (!r.socket) throw new Error(`login refused: ${r.error?.code} ${r.error?.message}`);
  return r.socket;
}

const request = (socket: Socket, event: string, payload: unknown, timeoutMs = 10_000): Promise<Answer> =>
  socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Answer>;

const put = (socket: Socket, to: string, id = randomUUID(), bytes = frame(), timeoutMs = 10_000) =>
  request(socket, 'blob:put', { id, to, bytes, deleteProofHash: proofHash() }, timeoutMs);

const rssMiB = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `text` from `from` to `to` every 250 ms while `running()`; resolves with the ids sent. */
async function honestTraffic(from: MemberCircle['clients'][number], toName: string, running: () => boolean): Promise<string[]> {
  const to = from.directory.byName(toName)!;
  const sent: string[] = [];
  while (running()) {
    const messageId = toHex(nativeSuite.randomBytes(16));
    await from.send({ kind: 'direct' }, { type: 'text', text: `honest ${sent.length}` }, [to], { messageId });
    sent.push(messageId);
    await sleep(250);
  }
  return sent;
}

describe('hostile member against a relay process on PostgreSQL', () => {
  let postgres: TestPostgres;
  let relay: RelayProcess;
  let circle: MemberCircle;

  beforeAll(async () => {
    postgres = await startPostgres();
    relay = await spawnRelay({ port: await freePort(), env: { DATABASE_URL: postgres.url } });
    circle = await generateCircle(relay.url, ['Mallory', 'Alice', 'Bob', 'Eve']);
    await seedAllowlist(postgres.url, circle.seeds);
  });
  afterAll(async () => {
    circle?.closeClients();
    await relay?.stop();
    await postgres?.stop();
  });

  it('hostile member: a socket that does not read, flooding blob:fetch for 30 s, grows the relay by at most 64 MiB while honest members send and receive', async () => {
    const mallory = circle.keys[0]!;
    const own = mailboxAddress(mallory.member.ed25519PublicKey);
    const writer = await connected(relay.url, mallory);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const id = randomUUID();
      expect((await put(writer, own, id)).ok).toBe(true);
      ids.push(id);
    }
    const alice = await circle.connect(1);
    const bob = await circle.connect(2);
    const received = countTextsByMessageId(bob);
    await sleep(2000);
    const before = rssMiB(relay.pid);
    let peak = before;

    const until = Date.now() + 30_000;
    const running = () => Date.now() < until;
    const honest = honestTraffic(alice, 'Bob', running);
    const flood = await floodBlobFetch(relay.url, mallory, ids, until, () => (peak = Math.max(peak, rssMiB(relay.pid))));
    const sent = await honest;
    await eventually(() => sent.every((id) => received.counts.has(id)), 'every honest message arrives', 20_000);
    writer.close();
    expect(flood.requests).toBeGreaterThan(500);
    expect(peak - before, `relay RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB`).toBeLessThanOrEqual(64);
  }, 120_000);

  it('hostile member: once npm run revoke returns, the revoked identity is refused at its next request and its sockets are gone', async () => {
    const eve = circle.keys[3]!;
    const socket = await connected(relay.url, eve);
    const to = mailboxAddress(circle.keys[1]!.member.ed25519PublicKey);
    expect((await put(socket, to)).ok).toBe(true);
    const result = await runScript('revoke', [keyHash(eve.member.ed25519PublicKey)], { env: { DATABASE_URL: postgres.url } });
    expect(result.code, result.stderr).toBe(0);
    // Straight after the script returned: no further request of Eve's is served.
    const next = socket.connected ? await put(socket, to, randomUUID()).catch(() => ({ ok: false })) : { ok: false };
    expect(next.ok).toBe(false);
    expect(socket.connected).toBe(false);
    expect((await rawConnect(relay.url, eve)).error?.code).toBe(ErrorCode.Revoked);
    socket.close();
  }, 90_000);
});

describe('hostile member against an in-process relay on PostgreSQL', () => {
  let relay: TestRelay;
  let second: TestRelay;
  let circle: TestCircle;
  const METRICS_TOKEN = 'm'.repeat(40);
  let metricsPort: number;

  beforeAll(async () => {
    // A 1 MiB quota: 16 blobs per mailbox. Two nodes on one database for the quota test.
    const env = {
      MAILBOX_QUOTA_MB: '1',
      TURN_SECRET: 's'.repeat(32),
      TURN_URLS: 'turn:turn.example.org:3478',
      METRICS_TOKEN,
      METRICS_PORT: String((metricsPort = await freePort())),
    };
    // A frozen clock: rate-limit buckets never refill, so the limit test does not depend on machine speed.
    const frozen = Date.now();
    relay = await startTestRelay('postgresql', { env, clock: () => frozen });
    second = await startTestRelay('postgresql', {
      clock: () => frozen,
      env: { ...env, METRICS_PORT: String(await freePort()) },
      postgres: { url: relay.databaseUrl!, stop: async () => undefined },
    });
    circle = await makeCircle(relay, ['Mallory', 'Alice', 'Bob', 'Revoked', 'Many']);
    await relay.stack.allowlist.revoke(keyHash(circle.keys[3]!.member.ed25519PublicKey));
  });
  afterAll(async () => {
    circle?.closeClients();
    await second?.close();
    await relay?.close();
  });

  const mailboxOf = (i: number) => mailboxAddress(circle.keys[i]!.member.ed25519PublicKey);

  it('hostile member: turn:credentials, blob:fetch and every other event are rate-limited per member, across its sockets', async () => {
    const sockets = [await connected(relay.url, circle.keys[0]!), await connected(relay.url, circle.keys[0]!)];
    const answers: Answer[] = [];
    for (let i = 0; i < 40; i++) answers.push(await request(sockets[i % 2]!, 'turn:credentials', {}));
    const limited = answers.filter((a) => a.error?.code === ErrorCode.RateLimited).length;
    expect(answers.filter((a) => a.ok).length).toBe(10);
    expect(limited).toBe(30);
    expect((answers.find((a) => a.ok)!.value as { ttlSeconds: number }).ttlSeconds).toBe(300);
    // presence:list has its own bucket: 40 across two sockets is over it too.
    const presence = await Promise.all(Array.from({ length: 40 }, (_, i) => request(sockets[i % 2]!, 'presence:list', {})));
    expect(presence.some((a) => a.error?.code === ErrorCode.RateLimited)).toBe(true);
    for (const s of sockets) s.close();
  });

  it('hostile member: cannot open more than MAX_SOCKETS_PER_MEMBER (6) sockets', async () => {
    const opened: Socket[] = [];
    const refusals: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await rawConnect(relay.url, circle.keys[4]!);
      if (r.socket) opened.push(r.socket);
      else refusals.push(r.error!.code);
    }
    expect(opened).toHaveLength(6);
    expect(refusals).toEqual(Array(4).fill(ErrorCode.RateLimited));
    // A socket that closes frees its slot.
    opened.shift()!.close();
    let again: Socket | undefined;
    await eventually(
      async () => Boolean((again = (await rawConnect(relay.url, circle.keys[4]!)).socket)),
      'a closed socket frees its slot',
    );
    for (const s of [...opened, again!]) s.close();
  });

  it('hostile member: 300 concurrent blob:put to a 16-blob mailbox, over two relay nodes, store at most 16', async () => {
    const target = mailboxOf(2);
    // Five sockets for each of two senders, on two nodes: as many puts in flight as the relay lets in.
    const senders: Socket[] = [];
    for (let i = 0; i < 5; i++) senders.push(await connected(relay.url, circle.keys[0]!), await connected(second.url, circle.keys[1]!));
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => put(senders[i % senders.length]!, target, randomUUID(), frame(), 30_000)),
    );
    const accepted = answers.filter((a) => a.ok).length;
    const admin = new pg.Client({ connectionString: relay.databaseUrl });
    await admin.connect();
    const stored = Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM blobs WHERE mailbox = $1', [target])).rows[0]!.n);
    await admin.end();
    expect(stored).toBeLessThanOrEqual(16);
    expect(accepted).toBe(stored);
    expect(answers.some((a) => a.error?.code === ErrorCode.QuotaExceeded)).toBe(true);
    for (const s of senders) s.close();
  }, 90_000);

  it('hostile member: a put that stores nothing delivers nothing, and a pushed blob is already stored', async () => {
    const recipient = await connected(relay.url, circle.keys[1]!);
    const pushed: { id: string; bytes: Uint8Array }[] = [];
    const storedWhenPushed: boolean[] = [];
    recipient.on('blob:new', (b: { id: string; bytes: Uint8Array }) => {
      pushed.push(b);
      void relay.stack.blobs.get(b.id).then((row) => storedWhenPushed.push(row !== null));
    });
    const mallory = await connected(relay.url, circle.keys[0]!);
    const id = randomUUID();
    expect((await put(mallory, mailboxOf(1), id)).ok).toBe(true);
    // The same id again, other bytes: not stored, so not pushed either.
    const reused = frame();
    await put(mallory, mailboxOf(1), id, reused);
    await eventually(() => storedWhenPushed.length === 1, 'the first put is pushed');
    await sleep(500);
    expect(pushed.map((b) => b.id)).toEqual([id]);
    expect(pushed.some((b) => Buffer.from(b.bytes).equals(Buffer.from(reused)))).toBe(false);
    expect(storedWhenPushed).toEqual([true]);
    mallory.close();
    recipient.close();
  });

  it("hostile member: no answer depends on others' mail, counts another's sockets, or reveals a revocation", async () => {
    const mallory = await connected(relay.url, circle.keys[0]!);
    const alice = await connected(relay.url, circle.keys[1]!);
    const bobs = [await connected(relay.url, circle.keys[2]!), await connected(relay.url, circle.keys[2]!)]; // Bob online, twice
    // Alice stores a blob for Alice; Mallory learns nothing about that id.
    const alicesId = randomUUID();
    expect((await put(alice, mailboxOf(1), alicesId)).ok).toBe(true);
    const notYours = await request(mallory, 'blob:delete', { id: alicesId });
    const notThere = await request(mallory, 'blob:delete', { id: randomUUID() });
    expect(notYours.error).toEqual(notThere.error);
    expect(notYours.error?.code).toBe(ErrorCode.NotFound);
    // An id stored in another mailbox is answered like a fresh one.
    const taken = await put(mallory, mailboxOf(0), alicesId);
    const fresh = await put(mallory, mailboxOf(0));
    expect(taken.ok).toBe(fresh.ok);
    expect(Object.keys(taken.value as object)).toEqual(Object.keys(fresh.value as object));
    // signal:send says nothing about Bob's sockets.
    const signal = await request(mallory, 'signal:send', { to: mailboxOf(2), bytes: frame(SIGNAL_BYTES) });
    expect(signal).toEqual({ ok: true, value: {} });
    // A revoked member looks like any other to the rest of the circle.
    const revoked = mailboxOf(3);
    expect((await put(mallory, revoked)).ok).toBe(true);
    expect(await request(mallory, 'signal:send', { to: revoked, bytes: frame(SIGNAL_BYTES) })).toEqual({ ok: true, value: {} });
    expect((await request(mallory, 'call:create', { invited: [revoked] })).ok).toBe(true);
    for (const s of [mallory, alice, ...bobs]) s.close();
  });

  it('hostile member: every HTTP path is answered, malformed Socket.IO handshakes included, and a stalled request is closed', async () => {
    for (const path of [
      '/socket.io',
      '/socket.iox',
      '/socket.io?EIO=4',
      '/socket.io/?EIO=4',
      '/socket.io/?EIO=4&transport=polling',
      '/nope',
    ]) {
      const res = await fetch(`${relay.url}${path}`, { signal: AbortSignal.timeout(5000) });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      await res.arrayBuffer();
    }
    // Headers that never finish: the relay closes the connection (headersTimeout + its check interval).
    const port = Number(new URL(relay.url).port);
    const closedAfter = await new Promise<number>((resolve) => {
      const started = Date.now();
      const c = tcpConnect(port, '127.0.0.1', () => c.write('GET /health HTTP/1.1\r\nHost: x\r\n'));
      c.on('data', () => undefined);
      c.on('close', () => resolve(Date.now() - started));
      c.on('error', () => undefined);
    });
    expect(closedAfter).toBeLessThan(20_000);
  }, 30_000);

  it('hostile member: /metrics is private (bearer token or loopback port), /health says nothing about members', async () => {
    const open = await fetch(`${relay.url}/metrics`);
    expect(open.status).toBe(401);
    expect(open.headers.get('access-control-allow-origin')).toBeNull();
    expect(await open.text()).not.toMatch(/circle_connections/);
    const wrong = await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${'x'.repeat(40)}` } });
    expect(wrong.status).toBe(401);
    const authorised = await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(authorised.status).toBe(200);
    expect(await authorised.text()).toMatch(/circle_connections/);
    const loopback = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(loopback.status).toBe(200);
    const health = await fetch(`${relay.url}/health`);
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
    expect(Object.keys((await health.json()) as object).sort()).toEqual(['database', 'status']);
  });
});

describe('hostile member against an in-process relay on PGlite', () => {
  let relay: TestRelay;
  let circle: TestCircle;
  beforeAll(async () => {
    relay = await startTestRelay('pglite', { env: { MAILBOX_QUOTA_MB: '1' } });
    circle = await makeCircle(relay, ['Mallory', 'Bob']);
  });
  afterAll(async () => {
    circle?.closeClients();
    await relay?.close();
  });

  it('hostile member: 300 concurrent blob:put to a 16-blob mailbox on PGlite store at most 16', async () => {
    const target = mailboxAddress(circle.keys[1]!.member.ed25519PublicKey);
    const senders: Socket[] = [];
    for (let i = 0; i < 6; i++) senders.push(await connected(relay.url, circle.keys[0]!));
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => put(senders[i % 6]!, target, randomUUID(), frame(), 60_000)));
    const page = await relay.stack.blobs.list(target, { limit: 500 });
    expect(page.blobs.length).toBeLessThanOrEqual(16);
    expect(answers.filter((a) => a.ok).length).toBe(page.blobs.length);
    for (const s of senders) s.close();
  }, 120_000);
});
