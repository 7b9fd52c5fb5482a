/**
 * The app against what another member sends (issue 19): a scripted member with a real
 * identity crafts correctly sealed messages with the project's protocol modules and stores
 * them for a member whose app runs in Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { nativeSuite, toHex } from '@circle/protocol';
import { messageWithText, openAs, openChatWith, screenshot, startWorld, type Member, type World } from './support/circle-app.js';
import { scriptedMember, type ScriptedMember } from './support/scripted-member.js';

interface CoreStats {
  applied: number;
  applyMs: number;
  effectApplications: number;
}

/** The core worker's counters (see Session.stats). */
async function coreStats(page: Page): Promise<CoreStats> {
  const worker = page.workers().find((w) => w.url().includes('core-worker'));
  if (!worker) throw new Error('the core worker is not running');
  return worker.evaluate(() => (globalThis as unknown as { circleCoreStats: CoreStats }).circleCoreStats);
}

const newId = (): string => toHex(nativeSuite.randomBytes(16));

describe('hostile content', () => {
  let world: World;
  let alice: Member;
  let bob: ScriptedMember;

  beforeAll(async () => {
    world = await startWorld(['Alice', 'Bob', 'Carol', 'Dave']);
    alice = await openAs(world, world.identityPath(0));
    bob = await scriptedMember(world, 1);
  });
  afterAll(async () => world?.close());

  it('hostile content: a receipt naming 24 ids before its 24 targets takes under 100 ms of client-core time', async () => {
    const to = bob.member('Alice');
    const ids = Array.from({ length: 24 }, newId);
    const before = await coreStats(alice.page);
    await bob.send(to, { conversation: { kind: 'direct' }, body: { type: 'receipt', targets: ids, state: 'read' } });
    for (const [i, id] of ids.entries())
      await bob.send(to, { conversation: { kind: 'direct' }, body: { type: 'text', text: `target ${i}` } }, { messageId: id });
    await openChatWith(alice, 'Bob');
    await messageWithText(alice, 'target 23').waitFor({ timeout: 20_000 });
    await expect.poll(async () => (await coreStats(alice.page)).applied - before.applied).toBeGreaterThanOrEqual(25);
    const after = await coreStats(alice.page);
    expect(after.applyMs - before.applyMs).toBeLessThan(100);
    await screenshot(alice, 'hostile-receipt-before-targets');
  });
});
