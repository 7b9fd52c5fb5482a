/**
 * `npm start` keeps running: a part that fails hard (killed with SIGKILL) is restarted with a
 * one-line reason, /health answers again within 10 s, members reconnect and send, and the other
 * part and its members are not affected. Ctrl+C then stops everything, leaving no process behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircleClient } from '@circle/desktop-app/core';
import { startNpmStart, type RunningStart } from './npm-start.js';

/** The bound the issue names for a restarted relay to answer /health again. */
const HEALTH_AGAIN_WITHIN_MS = 10_000;

let start: RunningStart;
let alice: CircleClient;
let bob: CircleClient;
beforeAll(async () => {
  start = await startNpmStart();
  [alice, bob] = await Promise.all([CircleClient.open(await start.identity(1)), CircleClient.open(await start.identity(2))]);
  alice.connect();
  bob.connect();
  await Promise.all([alice.waitOnline(), bob.waitOnline()]);
}, 240_000);
afterAll(async () => {
  alice?.close();
  bob?.close();
  await start?.stop();
}, 60_000);

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })).status === 200;
  } catch {
    return false;
  }
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

async function aliceSendsToBob(text: string): Promise<void> {
  const seen = new Promise<void>((resolve) =>
    bob.on('message', (m) => m.content.body.type === 'text' && m.content.body.text === text && resolve()),
  );
  const sent = await alice.send({ kind: 'direct' }, { type: 'text', text }, [alice.directory.byName('Bob')!]);
  expect(sent.failed).toEqual([]);
  await seen;
}

describe('npm start supervision', () => {
  it('restarts a killed relay: /health within 10 s, one line saying why, members reconnect and send', async () => {
    const relayPid = start.partPid('relay')!;
    const webPid = start.partPid('app-web')!;
    expect(relayPid).toBeGreaterThan(0);
    const outputBefore = start.output().length;
    process.kill(relayPid, 'SIGKILL');
    await until('alice notices the relay is gone', () => alice.state !== 'online', 10_000);
    // The other part keeps serving while the relay is down.
    expect(await healthy(start.appUrl)).toBe(true);
    const elapsed = await until('relay /health answers again', () => healthy(start.relayUrl), HEALTH_AGAIN_WITHIN_MS);
    console.log(`relay /health answered again ${elapsed} ms after the kill was noticed`);
    await start.waitForOutput(/start: relay stopped \(killed by SIGKILL\); restarting in [\d.]+ s\n/, 5_000, outputBefore);
    expect(start.partPid('app-web')).toBe(webPid);
    expect(start.partPid('relay')).not.toBe(relayPid);
    await Promise.all([alice.waitOnline(30_000), bob.waitOnline(30_000)]);
    await aliceSendsToBob(`after the relay restarted ${Date.now()}`);
  });

  it('restarts a killed app web server without touching the relay or its members', async () => {
    const relayPid = start.partPid('relay');
    let dropped = false;
    const off = alice.on('state', ({ state }) => state !== 'online' && (dropped = true));
    const outputBefore = start.output().length;
    process.kill(start.partPid('app-web')!, 'SIGKILL');
    await start.waitForOutput(/start: app web server stopped \(killed by SIGKILL\); restarting in/, 10_000, outputBefore);
    await until('app /health answers again', () => healthy(start.appUrl), HEALTH_AGAIN_WITHIN_MS);
    expect((await fetch(start.appUrl)).status).toBe(200);
    off();
    expect(dropped).toBe(false);
    expect(start.partPid('relay')).toBe(relayPid);
    await aliceSendsToBob(`web server restarted, relay untouched ${Date.now()}`);
  });

  it('Ctrl+C stops every part and leaves no process behind', async () => {
    alice.close();
    bob.close();
    expect(start.groupPids().length).toBeGreaterThanOrEqual(3);
    expect(await start.interrupt()).toBe(0);
    await until('every process of npm start has exited', () => start.groupPids().length === 0, 15_000);
  });
});
