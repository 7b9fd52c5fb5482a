/**
 * npm run bench -- relay
 * One run on a throwaway real PostgreSQL that the bench starts itself, with PostgreSQL's default
 * durability (every commit flushed to disk), as an operator runs it. Servers run in their
 * own processes (as deployed, and so their CPU and memory are their own); clients run here.
 * (a) online delivery latency of a sealed text message, member to member through the relay
 *     (CircleClient send -> the other's `message` event), beside a bare Socket.IO server
 *     forwarding the same 64 KiB payload from one client to another (websocket only);
 * (b) acknowledged blob:put per second (stored in PostgreSQL) beside raw `pg` inserts of the
 *     same 64 KiB rows into a scratch table of the same shape, with as many in flight: 8
 *     members each keeping the outbox's 8 puts in flight (the `store ratio`), then one each;
 * (c) the relay's RSS with 10,000 stored blobs: idle, with 20 members connected, and after
 *     they fetched their mailboxes.
 * Last two lines: `latency ratio: X` (relay p50 / bare p50), `store ratio: Y` (relay / raw pg).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import {
  BLOB_BYTES,
  FRAME_VERSION,
  MAX_FETCH_IDS,
  computeExpiry,
  encodeContent,
  nativeSuite,
  openEnvelope,
  sealEnvelope,
  toHex,
} from '@circle/protocol';
import { OUTBOX_IN_FLIGHT, type RelayConnection } from '@circle/desktop-app/core';
import { startPostgres } from '../relay-server/test/support/postgres.js';
import { connectMember, makeCircleAt, makeMembers, seedAllowlist, type BenchMember } from './support/members.js';
import { parentOf, treeCpuMs } from './support/proc.js';
import { RELAY_NODE_FLAGS } from '../relay-server/src/node-flags.js';
import { spawnBareForwarder, spawnRelay, type ServerChild } from './support/relay-child.js';
import { median, ms, percentile, sample } from './stats.js';

const LATENCY_WARMUP = 30;
const LATENCY_SAMPLES = 300;
const BREAKDOWN_SAMPLES = 100;
/** Enough for both sides' JIT to settle: per-blob CPU still falls over the first ~1,000 puts. */
const STORE_WARMUP = 1000;
const STORE_BLOBS = 2000;
const STORE_ROUNDS = 8;
/** Loads for (b): puts (or raw inserts) in flight per sender; the first gives the store ratio. */
const STORE_LOADS = [OUTBOX_IN_FLIGHT, 1];
/** Connections of the raw `pg` side; more or fewer measured no faster here (2 to 64, 64 inserts in flight). */
const RAW_CONNECTIONS = 8;
const STORE_SENDERS = 8;
const STORE_RECIPIENTS = 8;
const RSS_MEMBERS = 20;
const RSS_BLOBS = 10_000;
/**
 * Time for the relay to go quiet before its memory is read; longer than its first revocation
 * check (1 s after start), whose first Prisma query loads the query engine (~70 MiB).
 */
const SETTLE_MS = 2500;
const SCRATCH_TABLE = `bench_raw_blobs_${randomBytes(4).toString('hex')}`;
/** High enough that (a) and (b) measure the relay and the database, not the per-member limiter or quota. */
const LIMITS = { RATE_LIMIT_BURST: '1000000', RATE_LIMIT_BLOBS_PER_MINUTE: '1000000', MAILBOX_QUOTA_MB: '1000000' };
const TEXT = 'See you at six at the usual place?';

const cleanups: (() => Promise<unknown>)[] = [];
const later = (fn: () => Promise<unknown>) => cleanups.push(fn);
const mib = (v: number) => `${v.toFixed(1)} MiB`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** A 64 KiB blob as the relay accepts it: frame version byte, then bytes it cannot tell from ciphertext. */
function randomFrame(): Uint8Array {
  const frame = nativeSuite.randomBytes(BLOB_BYTES);
  frame[0] = FRAME_VERSION;
  return frame;
}

try {
  const postgres = await startPostgres({ durable: true });
  later(() => postgres.stop());
  // The relay migrates the database as it starts; this process stays a client (no relay code loaded).
  const relay = await spawnRelay({ DATABASE_URL: postgres.url, ...LIMITS });
  later(() => relay.stop());
  const admin = new pg.Pool({ connectionString: postgres.url, max: RAW_CONNECTIONS });
  later(() => admin.end());
  const version = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
  // Read back, not assumed: a server named by TEST_DATABASE_URL keeps its own settings.
  const durability = (
    await admin.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name",
    )
  ).rows
    .map((r) => `${r.name}=${r.setting}`)
    .join(' ');
  console.log(
    `relay benchmark (Node ${process.version}, PostgreSQL ${version} started by the bench, ${durability}; relay and bare server each in its own process under node ${RELAY_NODE_FLAGS.join(' ')}: the relay bundle as npm run relay runs it, the bare forwarder through tsx)`,
  );
  console.log(
    `relay for (a) and (b) started with ${Object.entries(LIMITS)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}: throughput is measured, not the rate limiter or quota`,
  );

  const latency = await measureLatency(relay, admin);
  const store = await measureStore(relay, admin);
  await relay.stop();
  await measureMemory(postgres.url, admin);

  console.log(`latency ratio: ${(latency.relayP50 / latency.bareP50).toFixed(2)}`);
  console.log(`store ratio: ${(store.relayPerSecond / store.rawPerSecond).toFixed(2)}`);
} finally {
  for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => console.error('cleanup failed:', err));
}

async function measureLatency(relay: ServerChild, admin: pg.Pool) {
  console.log(`\n(a) online delivery latency, ${LATENCY_SAMPLES} samples after ${LATENCY_WARMUP} warm-up, relay and bare alternating`);
  // Carol stays offline: her mailbox takes the pre-sealed puts of the breakdown below.
  const circle = await makeCircleAt(relay.url, admin, ['Alice', 'Bob', 'Carol']);
  const bare = await openBareForwarder();
  try {
    const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
    const bobContact = alice.directory.byName('Bob')!;
    const waiting = new Map<string, () => void>();
    bob.on('message', (m) => waiting.get(m.messageId)?.());
    const relayOnce = async () => {
      const messageId = toHex(nativeSuite.randomBytes(16));
      const received = new Promise<void>((resolve) => waiting.set(messageId, resolve));
      const t = performance.now();
      const sent = alice.send({ kind: 'direct' }, { type: 'text', text: TEXT }, [bobContact], { messageId });
      await received;
      const elapsed = performance.now() - t;
      waiting.delete(messageId);
      const result = await sent; // the sender's own copy follows; the next sample starts after it
      if (result.failed.length > 0) throw new Error(`send failed: ${result.failed[0]!.error.message}`);
      return elapsed;
    };
    const payload = randomFrame();
    const relayMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < LATENCY_WARMUP + LATENCY_SAMPLES; i++) {
      const r = await relayOnce();
      const b = await bare.forward(payload);
      if (i < LATENCY_WARMUP) continue;
      relayMs.push(r);
      bareMs.push(b);
    }
    const relayP50 = median(relayMs);
    const bareP50 = median(bareMs);
    console.log(
      `  relay: CircleClient send -> other member's message event (seal, blob:put stored, blob:new, open): p50 ${ms(relayP50)}  p99 ${ms(percentile(relayMs, 99))}`,
    );
    console.log(
      `  bare Socket.IO server forwarding 64 KiB from one client to another (websocket):            p50 ${ms(bareP50)}  p99 ${ms(percentile(bareMs, 99))}`,
    );

    // Where the relay path's time goes, each piece measured alone (medians).
    const [aliceKeys, bobKeys] = [circle.members[0]!.keys, circle.members[1]!.keys];
    const content = encodeContent({ v: 1, conversation: { kind: 'direct' }, body: { type: 'text', text: TEXT } });
    const seal = () =>
      sealEnvelope({
        sender: { ed25519Seed: aliceKeys.ed25519Seed, ed25519PublicKey: aliceKeys.member.ed25519PublicKey },
        recipient: bobKeys.member,
        messageId: nativeSuite.randomBytes(16),
        counter: 1n,
        sentAt: BigInt(Date.now()),
        content,
      });
    const frame = await seal();
    const sealMs = median(await sample(BREAKDOWN_SAMPLES, seal));
    const openMs = median(
      await sample(BREAKDOWN_SAMPLES, () => openEnvelope(frame, { x25519SecretKey: bobKeys.x25519SecretKey, ...bobKeys.member })),
    );
    const putTo = (to: string, id = randomUUID()) =>
      alice.connection.request('blob:put', { id, to, bytes: frame, deleteProofHash: randomBytes(32).toString('hex') });
    const putMs = median(await sample(BREAKDOWN_SAMPLES, () => putTo(circle.members[2]!.mailbox)));
    const pushed = new Map<string, () => void>();
    bob.connection.on('blob:new', (b) => pushed.get(b.id)?.());
    const hops: number[] = [];
    for (let i = 0; i < LATENCY_WARMUP + BREAKDOWN_SAMPLES; i++) {
      const id = randomUUID();
      const arrived = new Promise<void>((resolve) => pushed.set(id, resolve));
      const t = performance.now();
      const acked = putTo(bobContact.mailbox, id);
      await arrived;
      if (i >= LATENCY_WARMUP) hops.push(performance.now() - t);
      pushed.delete(id);
      await acked;
    }
    console.log(`  breakdown (medians, each alone): client crypto: seal ${ms(sealMs)}, open ${ms(openMs)}`);
    console.log(
      `    relay hop, pre-sealed frame, blob:put -> recipient's blob:new: ${ms(median(hops))}; blob:put ack alone (stored, offline recipient): ${ms(putMs)}`,
    );
    return { relayP50, bareP50 };
  } finally {
    circle.closeClients();
    await bare.close();
  }
}

/** The baseline for (a): the bare forwarder in its own process, one sending and one receiving client here. */
async function openBareForwarder() {
  const server = await spawnBareForwarder();
  const open = async (role: string): Promise<ClientSocket> => {
    const socket = connectSocket(server.url, { transports: ['websocket'], auth: { role } });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    return socket;
  };
  const [sender, receiver] = [await open('sender'), await open('receiver')];
  let arrived: (() => void) | undefined;
  receiver.on('blob', () => arrived?.());
  return {
    async forward(bytes: Uint8Array): Promise<number> {
      const received = new Promise<void>((resolve) => (arrived = resolve));
      const t = performance.now();
      sender.emit('blob', bytes);
      await received;
      return performance.now() - t;
    },
    async close() {
      sender.disconnect();
      receiver.disconnect();
      await server.stop();
    },
  };
}

function cpuMsOfBench(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Runs `work(k)` for k = from..to-1 with `lanes` at a time; returns the elapsed milliseconds. */
async function timeBatch(lanes: number, from: number, to: number, work: (k: number, lane: number) => Promise<unknown>): Promise<number> {
  let next = from;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let k = next++; k < to; k = next++) await work(k, lane);
    }),
  );
  return performance.now() - t;
}

interface Side {
  ms: number;
  relay: number;
  postgres: number;
  bench: number;
}

async function measureStore(relay: ServerChild, admin: pg.Pool) {
  console.log(
    `\n(b) stored 64 KiB blobs per second: ${STORE_SENDERS} members -> ${STORE_RECIPIENTS} offline mailboxes, beside raw pg inserts of the same rows over ${RAW_CONNECTIONS} connections with as many in flight; ${STORE_BLOBS} each per load after ${STORE_WARMUP} warm-up, in ${STORE_ROUNDS} rounds alternating relay-raw, raw-relay`,
  );
  const connections: RelayConnection[] = [];
  try {
    const senders = await makeMembers('Sender', STORE_SENDERS);
    const recipients = await makeMembers('Recipient', STORE_RECIPIENTS);
    await seedAllowlist(admin, [...senders, ...recipients]);
    for (const s of senders) connections.push(await connectMember(relay.url, s));
    await admin.query(`
      CREATE TABLE ${SCRATCH_TABLE} (
        id uuid PRIMARY KEY, mailbox text NOT NULL, bytes bytea NOT NULL,
        expires_at timestamptz(3) NOT NULL, delete_proof_hash text NOT NULL);
      CREATE INDEX ON ${SCRATCH_TABLE} (mailbox, id);
      CREATE INDEX ON ${SCRATCH_TABLE} (expires_at);
      ALTER TABLE ${SCRATCH_TABLE} ALTER COLUMN bytes SET STORAGE EXTERNAL;`);
    later(() => admin.query(`DROP TABLE IF EXISTS ${SCRATCH_TABLE}`));

    const frames = Array.from({ length: 16 }, randomFrame);
    const blobFor = (k: number) => ({
      id: randomUUID(),
      to: recipients[k % recipients.length]!.mailbox,
      bytes: frames[k % frames.length]!,
      deleteProofHash: randomBytes(32).toString('hex'),
    });
    // Lane i belongs to sender i mod STORE_SENDERS: each sender has lanes / STORE_SENDERS puts in flight.
    const put = (k: number, lane: number) => connections[lane % connections.length]!.request('blob:put', blobFor(k));
    const insert = (k: number) => {
      const b = blobFor(k);
      return admin.query(`INSERT INTO ${SCRATCH_TABLE} (id, mailbox, bytes, expires_at, delete_proof_hash) VALUES ($1, $2, $3, $4, $5)`, [
        b.id,
        b.to,
        Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.length),
        new Date(computeExpiry(Date.now())),
        b.deleteProofHash,
      ]);
    };
    const firstLanes = STORE_SENDERS * STORE_LOADS[0]!;
    await timeBatch(firstLanes, 0, STORE_WARMUP, put);
    await timeBatch(firstLanes, 0, STORE_WARMUP, insert);
    // CPU per blob of each process involved tells where the time goes, whatever else this machine runs.
    const backend = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const postmaster = parentOf(backend);
    const cpu = () => ({ relay: relay.cpuMs(), postgres: treeCpuMs(postmaster), bench: cpuMsOfBench() });
    const timed = async (side: Side, lanes: number, from: number, to: number, work: (k: number, lane: number) => Promise<unknown>) => {
      const before = cpu();
      side.ms += await timeBatch(lanes, from, to, work);
      const after = cpu();
      side.relay += after.relay - before.relay;
      side.postgres += after.postgres - before.postgres;
      side.bench += after.bench - before.bench;
    };

    const mbps = (perSecond: number) => `${((perSecond * BLOB_BYTES) / 1e6).toFixed(1)} MB/s`;
    const cpuPerBlob = (side: Side, withRelay: boolean) =>
      `CPU per blob: ${withRelay ? `relay ${(side.relay / STORE_BLOBS).toFixed(2)} ms, ` : ''}PostgreSQL ${(side.postgres / STORE_BLOBS).toFixed(2)} ms, bench process ${(side.bench / STORE_BLOBS).toFixed(2)} ms`;
    const results: { relayPerSecond: number; rawPerSecond: number }[] = [];
    let next = STORE_WARMUP;
    for (const perSender of STORE_LOADS) {
      const lanes = STORE_SENDERS * perSender;
      const relaySide: Side = { ms: 0, relay: 0, postgres: 0, bench: 0 };
      const rawSide: Side = { ms: 0, relay: 0, postgres: 0, bench: 0 };
      const perRound = STORE_BLOBS / STORE_ROUNDS;
      for (let r = 0; r < STORE_ROUNDS; r++, next += perRound) {
        // ABBA order: drift (PostgreSQL's buffers filling, checkpoints) falls on both sides alike.
        if (r % 2 === 0) {
          await timed(relaySide, lanes, next, next + perRound, put);
          await timed(rawSide, lanes, next, next + perRound, insert);
        } else {
          await timed(rawSide, lanes, next, next + perRound, insert);
          await timed(relaySide, lanes, next, next + perRound, put);
        }
      }
      const relayPerSecond = STORE_BLOBS / (relaySide.ms / 1000);
      const rawPerSecond = STORE_BLOBS / (rawSide.ms / 1000);
      results.push({ relayPerSecond, rawPerSecond });
      const load =
        perSender === OUTBOX_IN_FLIGHT
          ? `each member with the outbox's ${perSender} puts in flight`
          : `each member with ${perSender} put in flight`;
      console.log(`  ${lanes} in flight (${load}): relay / raw = ${(relayPerSecond / rawPerSecond).toFixed(2)}`);
      console.log(`    relay: blob:put acknowledged = stored: ${relayPerSecond.toFixed(0)} blobs/s (${mbps(relayPerSecond)})`);
      console.log(`      ${cpuPerBlob(relaySide, true)}`);
      console.log(
        `    raw pg: INSERT of the same rows into a table of the same shape (indexes, STORAGE EXTERNAL): ${rawPerSecond.toFixed(0)} rows/s (${mbps(rawPerSecond)})`,
      );
      console.log(`      ${cpuPerBlob(rawSide, false)}`);
    }
    const stored = (
      await admin.query<{ n: string }>('SELECT count(*) AS n FROM blobs WHERE mailbox = ANY($1)', [recipients.map((r) => r.mailbox)])
    ).rows[0]!.n;
    if (Number(stored) !== next) throw new Error(`the relay acknowledged ${next} blobs but stored ${stored}`);
    await admin.query(`DROP TABLE ${SCRATCH_TABLE}`);
    return results[0]!;
  } finally {
    for (const c of connections) c.close();
  }
}

async function measureMemory(databaseUrl: string, admin: pg.Pool) {
  console.log(`\n(c) relay RSS (its own process, /proc/<pid>/status, default limits) with ${RSS_BLOBS.toLocaleString('en')} stored blobs`);
  // Start from exactly this scenario: the earlier parts' members and blobs are gone.
  await admin.query('DELETE FROM blobs');
  await admin.query('DELETE FROM allowlist');
  const members = await makeMembers('Member', RSS_MEMBERS);
  await seedAllowlist(admin, members);
  await seedBlobs(admin, members, RSS_BLOBS);

  const relay = await spawnRelay({ DATABASE_URL: databaseUrl });
  const connections: RelayConnection[] = [];
  try {
    await sleep(SETTLE_MS);
    const idle = relay.memory();
    // The first member separately: what the first connection costs once (lazy start-up) is not per member.
    connections.push(await connectMember(relay.url, members[0]!));
    await sleep(SETTLE_MS);
    const first = relay.memory();
    connections.push(...(await Promise.all(members.slice(1).map((m) => connectMember(relay.url, m)))));
    await sleep(SETTLE_MS);
    const connected = relay.memory();
    const synced = (await Promise.all(connections.map(syncMailbox))).reduce((a, b) => a + b, 0);
    await sleep(SETTLE_MS);
    const after = relay.memory();
    console.log(`  idle, no member connected (pid ${relay.pid}):                            ${mib(idle.rssMiB)}`);
    console.log(`  1 member connected:                                                 ${mib(first.rssMiB)}`);
    console.log(
      `  ${RSS_MEMBERS} members connected (authenticated sockets):                         ${mib(connected.rssMiB)} (${RSS_MEMBERS - 1} more members: ${(connected.rssMiB - first.rssMiB).toFixed(1)} MiB)`,
    );
    console.log(
      `  after each listed and fetched its mailbox (${synced} blobs, ${MAX_FETCH_IDS} per fetch): ${mib(after.rssMiB)} (peak ${mib(after.peakMiB)})`,
    );
  } finally {
    for (const c of connections) c.close();
    await relay.stop();
    await admin.query('DELETE FROM blobs');
  }
}

/** `count` rows of the relay's shape, spread over real members' mailboxes, unexpired. */
async function seedBlobs(admin: pg.Pool, members: BenchMember[], count: number): Promise<void> {
  // One random frame, each row made distinct by its id written over bytes 1..16.
  await admin.query(
    `INSERT INTO blobs (id, mailbox, bytes, expires_at, delete_proof_hash)
     SELECT id, ($2::text[])[1 + i % cardinality($2::text[])], overlay($1::bytea PLACING uuid_send(id) FROM 2),
            $3::timestamptz, encode(sha256(uuid_send(id)), 'hex')
     FROM (SELECT gen_random_uuid() AS id, i FROM generate_series(0, $4::int - 1) AS i) AS s`,
    [Buffer.from(randomFrame()), members.map((m) => m.mailbox), new Date(computeExpiry(Date.now())), count],
  );
  const { rows } = await admin.query<{ n: string; bytes: string }>('SELECT count(*) AS n, min(length(bytes)) AS bytes FROM blobs');
  if (Number(rows[0]!.n) !== count || Number(rows[0]!.bytes) !== BLOB_BYTES)
    throw new Error(`seeded ${rows[0]!.n} blobs of ${rows[0]!.bytes} bytes`);
}

/** What a member's client does on connecting: list the mailbox, fetch it MAX_FETCH_IDS at a time. */
async function syncMailbox(connection: RelayConnection): Promise<number> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await connection.request('mailbox:list', { cursor, limit: 500 });
    ids.push(...page.blobs.map((b) => b.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  let fetched = 0;
  for (let i = 0; i < ids.length; i += MAX_FETCH_IDS) {
    const { blobs } = await connection.request('blob:fetch', { ids: ids.slice(i, i + MAX_FETCH_IDS) });
    fetched += blobs.length;
  }
  return fetched;
}
