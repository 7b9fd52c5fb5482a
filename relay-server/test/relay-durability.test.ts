import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Conversation } from '@circle/protocol';
import type { SentMessage } from '@circle/desktop-app/core';
import { countTextsByMessageId, generateCircle, seedAllowlist, type MemberCircle } from './support/member-circle.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { eventually } from './support/relay-harness.js';
import { freePort } from './support/free-port.js';
import { spawnRelay, type RelayExit, type RelayProcess } from './support/relay-process.js';

const direct: Conversation = { kind: 'direct' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `eventually`, but the failure message is computed when it fails (with the counts reached by then). */
const waitFor = (predicate: () => boolean, what: () => string, timeoutMs: number) =>
  eventually(predicate, 'condition', timeoutMs).catch(() => {
    throw new Error(`timed out waiting for: ${what()}`);
  });

const TOTAL = 60;
/** Message index sent right before the kill; the loop first waits until this many are acknowledged... */
const KILL_AT = 30;
/** ...so at the kill some sends are acknowledged, one or more are unacknowledged, the rest not sent yet. */
const ACKED_BEFORE_KILL = 20;

describe('relay durability (relay as a child process on real PostgreSQL)', () => {
  let postgres: TestPostgres | undefined;
  const relays: RelayProcess[] = [];
  let circle: MemberCircle | undefined;

  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => {
    circle?.closeClients();
    for (const r of relays) await r.stop();
    await postgres?.stop();
  });

  it('a relay killed with SIGKILL mid-conversation and restarted loses no acknowledged blob; unacknowledged ones are resent and duplicates are dropped', async () => {
    const databaseUrl = postgres!.url;
    const port = await freePort();
    const start = async () => {
      const r = await spawnRelay({ port, env: { DATABASE_URL: databaseUrl } });
      relays.push(r);
      return r;
    };
    const first = await start();
    circle = await generateCircle(first.url, ['Alice', 'Bob']);
    await seedAllowlist(databaseUrl, circle.seeds);

    const alice = await circle.connect(0);
    const bobDevice = await circle.open(1);
    const bobLive = countTextsByMessageId(bobDevice);
    const bob = await circle.connect(bobDevice);
    const bobForAlice = alice.directory.byName('Bob')!;

    const acked = new Map<number, SentMessage>();
    const failures: unknown[] = [];
    const sends: Promise<void>[] = [];
    let ackedAtKill = new Map<number, SentMessage>();
    let unackedAtKill = 0;
    let restarted: Promise<{ exit: RelayExit; second: RelayProcess }> | undefined;
    const killAndRestart = async () => {
      const exit = await first.kill();
      await eventually(() => alice.state !== 'online' && bob.state !== 'online', 'both clients notice the relay is gone');
      const second = await start();
      return { exit, second };
    };

    for (let i = 0; i < TOTAL; i++) {
      if (i === KILL_AT) await eventually(() => acked.size >= ACKED_BEFORE_KILL, `${ACKED_BEFORE_KILL} acknowledged sends`);
      sends.push(
        alice.send(direct, { type: 'text', text: `message ${i}` }, [bobForAlice]).then(
          (sent) => void acked.set(i, sent),
          (err: unknown) => void failures.push(err),
        ),
      );
      if (i === KILL_AT) {
        ackedAtKill = new Map(acked);
        unackedAtKill = sends.length - ackedAtKill.size;
        restarted = killAndRestart();
        restarted.catch(() => undefined); // awaited after the loop; no unhandled rejection meanwhile
      }
      await sleep(10); // a conversation, not one burst: later messages are typed while the relay is down
    }

    const { exit, second } = await restarted!;
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(second.pid).not.toBe(first.pid);
    expect(ackedAtKill.size).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
    expect(unackedAtKill).toBeGreaterThanOrEqual(1);

    // The clients reconnect by themselves; the outbox resends what was never acknowledged.
    await waitFor(
      () => acked.size + failures.length === TOTAL,
      () => `all ${TOTAL} sends to settle (${acked.size} acknowledged, ${failures.length} failed)`,
      30_000,
    );
    await Promise.all(sends);
    expect(failures).toEqual([]);
    expect(acked.size).toBe(TOTAL);
    for (const sent of acked.values()) {
      expect(sent.failed).toEqual([]);
      expect(sent.copies).toHaveLength(1);
    }

    // Every message arrives at Bob's connected device, each exactly once (counted by message id).
    const messageIds = [...acked.values()].map((s) => s.messageId);
    await waitFor(
      () => bobLive.counts.size === TOTAL,
      () => `all ${TOTAL} messages at Bob's device (got ${bobLive.counts.size})`,
      30_000,
    );
    await bob.sync(); // a sync after live delivery must not bring anything twice
    expect([...bobLive.counts.keys()].sort()).toEqual([...messageIds].sort());
    expect([...bobLive.counts.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(bobLive.texts.values())).toEqual(new Set(Array.from({ length: TOTAL }, (_, i) => `message ${i}`)));

    // Everything acknowledged before the kill is in the restarted relay: a fresh device of Bob's syncs it.
    const bobFresh = await circle.open(1);
    const bobFreshView = countTextsByMessageId(bobFresh);
    await circle.connect(bobFresh);
    await bobFresh.sync();
    for (const [i, sent] of ackedAtKill)
      expect(bobFreshView.counts.get(sent.messageId), `message ${i}, acknowledged before the kill`).toBe(1);
    expect(bobFreshView.counts.size).toBe(TOTAL);
    expect([...bobFreshView.counts.values()].every((n) => n === 1)).toBe(true);

    // The database holds one row per blob: 60 in Bob's mailbox, 60 self-copies in Alice's, no strays.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const rows = (await client.query<{ id: string; mailbox: string }>('SELECT id, mailbox FROM blobs')).rows;
      const bobCopyIds = [...acked.values()].map((s) => s.copies[0]!.blobId);
      const inBob = rows.filter((r) => r.mailbox === bobForAlice.mailbox);
      const inAlice = rows.filter((r) => r.mailbox === alice.me.mailbox);
      expect(inBob.map((r) => r.id).sort()).toEqual([...bobCopyIds].sort());
      expect(inAlice).toHaveLength(TOTAL);
      expect(rows).toHaveLength(2 * TOTAL);
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    } finally {
      await client.end();
    }
  }, 90_000);
});
