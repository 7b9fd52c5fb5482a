/**
 * npm run bench -- hostile
 * The memory attack of issue 17 beside an honest pair, on a throwaway real PostgreSQL with its
 * default durability and the relay in its own process (as `npm run relay` runs it):
 * (a) alone: Alice sends Bob sealed texts one after another; send -> Bob's `message` event;
 * (b) the same pair for ATTACK_MS while Mallory, a member of the same circle, floods blob:fetch
 *     for her own 8 blobs from sockets that do not read (relay-server/test/support/fetch-flood.ts);
 *     the relay's RSS is sampled every 20 ms.
 * Last two lines: `honest p50 under attack / alone: X` (goal <= 2) and
 * `relay RSS growth under attack: X MiB` (peak during the attack minus before it; goal <= 64).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { BLOB_BYTES, FRAME_VERSION, nativeSuite, toHex } from '@circle/protocol';
import type { CircleClient } from '@circle/desktop-app/core';
import { floodBlobFetch, rawLogin } from '../relay-server/test/support/fetch-flood.js';
import { startPostgres } from '../relay-server/test/support/postgres.js';
import { RELAY_NODE_FLAGS } from '../relay-server/src/node-flags.js';
import { makeCircleAt } from './support/members.js';
import { spawnRelay } from './support/relay-child.js';
import { median, ms, percentile } from './stats.js';

const ALONE_SAMPLES = 200;
const ATTACK_MS = 30_000;
const SETTLE_MS = 2500;
const TEXT = 'See you at six at the usual place?';

const cleanups: (() => Promise<unknown>)[] = [];
const later = (fn: () => Promise<unknown>) => cleanups.push(fn);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

try {
  const postgres = await startPostgres({ durable: true });
  later(() => postgres.stop());
  const relay = await spawnRelay({ DATABASE_URL: postgres.url });
  later(() => relay.stop());
  const admin = new pg.Pool({ connectionString: postgres.url, max: 2 });
  later(() => admin.end());
  console.log(
    `hostile-member benchmark (Node ${process.version}, PostgreSQL started by the bench with its default durability; relay bundle in its own process under node ${RELAY_NODE_FLAGS.join(' ')}, default limits)`,
  );
  const circle = await makeCircleAt(relay.url, admin, ['Alice', 'Bob', 'Mallory']);
  later(async () => circle.closeClients());
  const [alice, bob] = [await circle.connect(0), await circle.connect(1)];
  const once = oneMessage(alice, bob);

  // Mallory's own 8 blobs, which she will ask for again and again.
  const mallory = circle.members[2]!;
  const writer = (await rawLogin(relay.url, mallory.keys)).socket!;
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    const id = randomUUID();
    const frame = nativeSuite.randomBytes(BLOB_BYTES);
    frame[0] = FRAME_VERSION;
    await writer.emitWithAck('blob:put', { id, to: mallory.mailbox, bytes: frame, deleteProofHash: randomBytes(32).toString('hex') });
    ids.push(id);
  }
  writer.close();

  for (let i = 0; i < 30; i++) await once(); // warm-up
  const alone: number[] = [];
  for (let i = 0; i < ALONE_SAMPLES; i++) alone.push(await once());
  console.log(
    `\n(a) honest pair alone: send -> message p50 ${ms(median(alone))}  p99 ${ms(percentile(alone, 99))} (${alone.length} messages)`,
  );

  await sleep(SETTLE_MS);
  const before = relay.memory().rssMiB;
  let peak = before;
  const until = Date.now() + ATTACK_MS;
  const flood = floodBlobFetch(relay.url, mallory.keys, ids, until, () => (peak = Math.max(peak, relay.memory().rssMiB)));
  const attacked: number[] = [];
  while (Date.now() < until) attacked.push(await once());
  const { requests, sockets } = await flood;
  console.log(
    `(b) under attack for ${ATTACK_MS / 1000} s: send -> message p50 ${ms(median(attacked))}  p99 ${ms(percentile(attacked, 99))} (${attacked.length} messages, each arrived)`,
  );
  console.log(`    attacker: ${requests} blob:fetch requests written on ${sockets} non-reading socket(s) (the relay drops them)`);
  console.log(`    relay RSS: ${before.toFixed(1)} MiB before, peak ${peak.toFixed(1)} MiB during the attack`);
  console.log(`honest p50 under attack / alone: ${(median(attacked) / median(alone)).toFixed(2)}`);
  console.log(`relay RSS growth under attack: ${(peak - before).toFixed(1)} MiB`);
} finally {
  for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => console.error('cleanup failed:', err));
}

/** One sealed text from `from` to `to`, timed from send to the recipient's `message` event (ms). */
function oneMessage(from: CircleClient, to: CircleClient): () => Promise<number> {
  const waiting = new Map<string, () => void>();
  to.on('message', (m) => waiting.get(m.messageId)?.());
  const contact = from.directory.byName(to.directory.me.name)!;
  return async () => {
    const messageId = toHex(nativeSuite.randomBytes(16));
    const received = new Promise<void>((resolve) => waiting.set(messageId, resolve));
    const t = performance.now();
    const sent = from.send({ kind: 'direct' }, { type: 'text', text: TEXT }, [contact], { messageId });
    await received;
    const elapsed = performance.now() - t;
    waiting.delete(messageId);
    const result = await sent;
    if (result.failed.length > 0) throw new Error(`send failed: ${result.failed[0]!.error.message}`);
    return elapsed;
  };
}
