/**
 * npm run bench -- cluster : what scale-out costs and how fast it heals.
 *   (a) delivery latency between members on one node, and between members on two nodes
 *       (RELAY_CLUSTER=postgres, one PostgreSQL), alternating; the ratio's goal is <= 2.
 *   (b) failover: three nodes from one build behind a round-robin nginx, members connected
 *       through it; the node holding most of them is SIGKILLed; the time until every member
 *       is online again through the proxy (goal <= 5 s). Printed last.
 */
import { toHex, nativeSuite } from '@circle/protocol';
import type { CircleClient } from '@circle/desktop-app/core';
import { RELAY_ENTRY, buildRelay } from '../relay-server/scripts/build-relay.js';
import { freePort } from '../relay-server/test/support/free-port.js';
import { generateCircle, seedAllowlist } from '../relay-server/test/support/member-circle.js';
import { startNginx } from '../relay-server/test/support/nginx.js';
import { startPostgres } from '../relay-server/test/support/postgres.js';
import { spawnRelay, type RelayProcess } from '../relay-server/test/support/relay-process.js';
import { median, ms, percentile } from './stats.js';

const WARMUP = 20;
const SAMPLES = 200;
const FAILOVER_MEMBERS = 6;
const TEXT = 'See you at six at the usual place?';

const postgres = await startPostgres();
const nodes: RelayProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
try {
  await buildRelay();
  const METRICS_TOKEN = 'cluster-bench-metrics-token-0123456789';
  const cluster = { DATABASE_URL: postgres.url, RELAY_CLUSTER: 'postgres', LOG_LEVEL: 'error', METRICS_TOKEN };
  const limits = { RATE_LIMIT_BURST: '1000000', RATE_LIMIT_BLOBS_PER_MINUTE: '1000000' };

  // (a) Each node verifies for its own address; members name the node they use.
  for (let i = 0; i < 2; i++)
    nodes.push(await spawnRelay({ port: await freePort(), entry: [RELAY_ENTRY], env: { ...cluster, ...limits } }));
  const [n1, n2] = nodes as [RelayProcess, RelayProcess];
  const circle = await generateCircle(n1.url, ['Alice', 'Bob', 'Carol']);
  await seedAllowlist(postgres.url, circle.seeds);
  cleanups.push(async () => circle.closeClients());
  const alice = await circle.connect(0);
  const bob = await circle.connect(1);
  const carol = await circle.connect(2, { relayUrl: n2.url });
  const waiting = new Map<string, () => void>();
  for (const c of [bob, carol]) c.on('message', (m) => waiting.get(m.messageId)?.());
  const deliver = async (to: CircleClient) => {
    const messageId = toHex(nativeSuite.randomBytes(16));
    const received = new Promise<void>((resolve) => waiting.set(messageId, resolve));
    const t = performance.now();
    const sent = alice.send({ kind: 'direct' }, { type: 'text', text: TEXT }, [alice.directory.byName(to.me.name)!], { messageId });
    await received;
    const elapsed = performance.now() - t;
    waiting.delete(messageId);
    await sent;
    return elapsed;
  };
  const same: number[] = [];
  const cross: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const s = await deliver(bob);
    const c = await deliver(carol);
    if (i < WARMUP) continue;
    same.push(s);
    cross.push(c);
  }
  console.log(`(a) delivery latency, ${SAMPLES} samples each after ${WARMUP} warm-up, alternating (CircleClient send -> message event)`);
  console.log(`  same node  (Alice, Bob on node 1):        p50 ${ms(median(same))}  p99 ${ms(percentile(same, 99))}`);
  console.log(`  cross-node (Alice node 1, Carol node 2):  p50 ${ms(median(cross))}  p99 ${ms(percentile(cross, 99))}`);
  console.log(`cross-node p50 / same-node p50: ${(median(cross) / median(same)).toFixed(2)}`);
  circle.closeClients();
  for (const n of nodes.splice(0)) await n.stop();

  // (b) Three nodes behind nginx; every node verifies for the proxy's address.
  const proxyPort = await freePort();
  const proxied = { ...cluster, RELAY_PUBLIC_URL: `http://localhost:${proxyPort}` };
  for (let i = 0; i < 3; i++) nodes.push(await spawnRelay({ port: await freePort(), entry: [RELAY_ENTRY], env: proxied }));
  const nginx = await startNginx(
    proxyPort,
    nodes.map((n) => n.port),
  );
  cleanups.push(() => nginx.stop());
  const members = await generateCircle(
    nginx.url,
    Array.from({ length: FAILOVER_MEMBERS }, (_, i) => `Member ${i}`),
  );
  await seedAllowlist(postgres.url, members.seeds);
  cleanups.push(async () => members.closeClients());
  const clients: CircleClient[] = [];
  for (let i = 0; i < FAILOVER_MEMBERS; i++) clients.push(await members.connect(i));
  const counts = await Promise.all(
    nodes.map(async (n) =>
      Number(
        /^circle_connections (\d+)/m.exec(
          await (await fetch(`${n.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text(),
        )?.[1] ?? 0,
      ),
    ),
  );
  const victim = nodes[counts.indexOf(Math.max(...counts))]!;
  const dropped = new Set<CircleClient>();
  const back = new Map<CircleClient, number>();
  for (const c of clients)
    c.connection.on('state', ({ state }) => {
      if (state !== 'online') dropped.add(c);
      else if (dropped.has(c) && !back.has(c)) back.set(c, performance.now());
    });
  const killedAt = performance.now();
  await victim.kill();
  const deadline = killedAt + 60_000;
  while (!(dropped.size > 0 && clients.every((c) => c.connection.state === 'online')) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  const times = [...back.values()].map((t) => (t - killedAt) / 1000);
  console.log(
    `\n(b) failover: 3 nodes behind round-robin nginx, ${FAILOVER_MEMBERS} members through it; the node with ${Math.max(...counts)} of them SIGKILLed`,
  );
  console.log(`  members dropped: ${dropped.size}; each back after (s): ${times.map((t) => t.toFixed(2)).join(', ')}`);
  const survivorsUp = await Promise.all(
    nodes
      .filter((n) => n !== victim)
      .map((n) =>
        fetch(`${n.url}/health`).then(
          (r) => r.status === 200,
          () => false,
        ),
      ),
  );
  console.log(`  surviving nodes healthy: ${survivorsUp.filter(Boolean).length} of ${survivorsUp.length}`);
  console.log(
    `failover: members back in ${times.length === dropped.size && times.length > 0 ? Math.max(...times).toFixed(2) : 'never (60 s)'} s`,
  );
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  for (const n of nodes) await n.stop();
  await postgres.stop();
}
