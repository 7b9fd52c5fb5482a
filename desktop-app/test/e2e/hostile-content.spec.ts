/**
 * The app against what another member sends (issue 19): a scripted member with a real
 * identity crafts correctly sealed messages with the project's protocol modules and stores
 * them for a member whose app runs in Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { nativeSuite, toHex, type Conversation } from '@circle/protocol';
import { messageWithText, openAs, openChatWith, screenshot, sendText, startWorld, type Member, type World } from './support/circle-app.js';
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
  let carol: ScriptedMember;
  let dave: ScriptedMember;
  let eve: ScriptedMember;

  beforeAll(async () => {
    world = await startWorld(['Alice', 'Bob', 'Carol', 'Dave', 'Eve']);
    alice = await openAs(world, world.identityPath(0));
    [bob, carol, dave, eve] = (await Promise.all([1, 2, 3, 4].map((i) => scriptedMember(world, i)))) as [
      ScriptedMember,
      ScriptedMember,
      ScriptedMember,
      ScriptedMember,
    ];
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

  it('hostile content: a group rewrite by a member and by a non-member’s signal leaves membership unchanged; the next message goes to exactly the shown members', async () => {
    const ids = (...names: string[]) => names.map((n) => carol.member(n).id);
    const group = { kind: 'group' as const, id: newId(), name: 'Budget', members: ids('Alice', 'Bob', 'Carol') };
    await carol.send(carol.member('Alice'), { conversation: group, body: { type: 'text', text: 'Budget is due Friday' } });
    await alice.page.locator('button.conv[data-conv="Budget"]').click({ timeout: 15_000 });
    await messageWithText(alice, 'Budget is due Friday').waitFor();
    // Bob, a member, lists [Bob, Alice, Dave] in an ordinary message: Carol out, Dave in.
    const rewritten = { ...group, name: 'Bob’s budget', members: ids('Bob', 'Alice', 'Dave') };
    await bob.send(bob.member('Alice'), { conversation: rewritten, body: { type: 'text', text: 'ordinary text, rewritten group' } });
    await messageWithText(alice, 'ordinary text, rewritten group').waitFor();
    // Eve, not a member, sends one typing signal naming herself in the group.
    await eve.client.signal(eve.member('Alice'), {
      kind: 'typing',
      conversation: { ...group, members: ids('Alice', 'Bob', 'Carol', 'Eve') },
    });
    await alice.page.waitForTimeout(300); // nothing to wait for: the signal must change nothing
    const subtitle = alice.page.locator('section.conversation .subtitle');
    await expect.poll(() => subtitle.textContent()).toBe('3 members: Alice, Bob, Carol');
    expect(await alice.page.locator('section.conversation h1').textContent()).toBe('# Budget');

    await sendText(alice, 'Who signs off?');
    const reached = (m: ScriptedMember) => m.inbox.some((r) => r.content.body.type === 'text' && r.content.body.text === 'Who signs off?');
    await expect.poll(() => [bob, carol].every(reached), { timeout: 15_000 }).toBe(true);
    await expect
      .poll(() => messageWithText(alice, 'Who signs off?').locator('[data-state]').getAttribute('data-state'))
      .not.toBe('sending');
    expect(reached(dave)).toBe(false);
    expect(reached(eve)).toBe(false);
    expect(await alice.page.locator('section.conversation li.notice').count(), 'no group change was made, so no line shows').toBe(0);
  });

  it('hostile content: a group update from a member is applied and shown as a line; one from a non-member is not', async () => {
    const ids = (...names: string[]) => names.map((n) => carol.member(n).id);
    const group = { kind: 'group' as const, id: newId(), name: 'Trip', members: ids('Alice', 'Bob', 'Carol') };
    await carol.send(carol.member('Alice'), { conversation: group, body: { type: 'text', text: 'Trip planning' } });
    await alice.page.locator('button.conv[data-conv="Trip"]').click({ timeout: 15_000 });
    await messageWithText(alice, 'Trip planning').waitFor();
    // Eve is not a member: her update is not applied (and her message would not be accepted into the group).
    await eve.send(eve.member('Alice'), {
      conversation: { ...group, members: ids('Alice', 'Eve') },
      body: { type: 'group-update', version: 1 },
    });
    await bob.send(bob.member('Alice'), {
      conversation: { ...group, members: ids('Alice', 'Bob') },
      body: { type: 'group-update', version: 1 },
    });
    const line = alice.page.locator('section.conversation li.notice', { hasText: 'Bob removed Carol' });
    await line.waitFor({ timeout: 15_000 });
    await expect.poll(() => alice.page.locator('section.conversation .subtitle').textContent()).toBe('2 members: Alice, Bob');
    await screenshot(alice, 'hostile-group-update-line');
  });

  it('hostile content: a message id reused by another sender keeps both messages, after a reload too', async () => {
    const ids = (...names: string[]) => names.map((n) => carol.member(n).id);
    const group = { kind: 'group' as const, id: newId(), name: 'Board', members: ids('Alice', 'Bob', 'Carol') };
    const shared = newId();
    // Bob's copy sorts first in the mailbox (blob ids are listed in order), so it is opened first on reload.
    await carol.send(
      carol.member('Alice'),
      { conversation: group, body: { type: 'text', text: 'yes, agreed.' } },
      { messageId: shared, blobId: 'ffffffff-ffff-4fff-bfff-ffffffffffff' },
    );
    await bob.send(
      bob.member('Alice'),
      { conversation: { kind: 'direct' }, body: { type: 'text', text: 'same id, other sender' } },
      { messageId: shared, blobId: '00000000-0000-4000-8000-000000000000' },
    );
    const again = await openAs(world, world.identityPath(0));
    await again.page.locator('button.conv[data-conv="Board"]').click({ timeout: 15_000 });
    await messageWithText(again, 'yes, agreed.').waitFor({ timeout: 15_000 });
    await openChatWith(again, 'Bob');
    await messageWithText(again, 'same id, other sender').waitFor();
    await again.context.close();
  });

  it('hostile content: a backdated and a far-future message show in arrival order, marked, with dates that render', async () => {
    const ids = (...names: string[]) => names.map((n) => carol.member(n).id);
    const group = { kind: 'group' as const, id: newId(), name: 'Decision', members: ids('Alice', 'Bob', 'Carol') };
    await carol.send(carol.member('Alice'), { conversation: group, body: { type: 'text', text: 'yes, agreed.' } });
    await alice.page.locator('button.conv[data-conv="Decision"]').click({ timeout: 15_000 });
    await messageWithText(alice, 'yes, agreed.').waitFor();
    const hourAgo = Date.now() - 3600_000;
    await bob.send(bob.member('Alice'), { conversation: group, body: { type: 'text', text: 'I never agreed' } }, { sentAt: hourAgo });
    await bob.send(bob.member('Alice'), { conversation: group, body: { type: 'text', text: 'pinned to the top' } }, { sentAt: 2 ** 62 });
    await messageWithText(alice, 'pinned to the top').waitFor({ timeout: 15_000 });
    const texts = await alice.page
      .locator('section.conversation li.message')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-text')));
    expect(texts).toEqual(['yes, agreed.', 'I never agreed', 'pinned to the top']);
    expect(await messageWithText(alice, 'I never agreed').locator('.clock-mark').getAttribute('data-clock')).toBe('backdated');
    expect(await messageWithText(alice, 'pinned to the top').locator('.clock-mark').getAttribute('data-clock')).toBe('future');
    expect(await messageWithText(alice, 'yes, agreed.').locator('.clock-mark').count()).toBe(0);
    expect(await alice.page.locator('body').textContent()).not.toContain('Invalid Date');
    await screenshot(alice, 'hostile-clock');
  });

  it('hostile content: an SVG is only offered as a file, an image declaring 20000×20000 is not decoded, raster previews have no URL', async () => {
    const to = [bob.member('Alice')];
    const direct = { kind: 'direct' as const };
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="localStorage.clear()"><script>alert(1)</script></svg>');
    await bob.client.sendFile(direct, { name: 'chart.svg', mime: 'image/svg+xml', bytes: svg }, to);
    const huge = Buffer.from(ONE_PIXEL_PNG, 'base64');
    huge.writeUInt32BE(20000, 16); // IHDR width
    huge.writeUInt32BE(20000, 20); // IHDR height
    await bob.client.sendFile(direct, { name: 'huge.png', mime: 'image/png', bytes: huge }, to);
    await bob.client.sendFile(direct, { name: 'dot.png', mime: 'image/png', bytes: Buffer.from(ONE_PIXEL_PNG, 'base64') }, to);
    await openChatWith(alice, 'Bob');
    const card = (name: string) => alice.page.locator('li.message .file', { hasText: name });
    await card('dot.png').locator('canvas.preview').waitFor({ timeout: 30_000 });
    await card('chart.svg').waitFor();
    await card('huge.png').waitFor();
    for (const name of ['chart.svg', 'huge.png']) {
      expect(await card(name).locator('img, canvas, iframe, object, embed').count(), name).toBe(0);
      await card(name).getByRole('button', { name: 'Save…' }).waitFor();
    }
    // No element of the page points at the file's bytes: nothing to open in a new tab.
    expect(await alice.page.locator('img[src^="blob:"], a[href^="blob:"]').count()).toBe(0);
  });

  it('hostile content: a file manifest larger than the protocol maximum is refused', async () => {
    const to = bob.member('Alice');
    const file = {
      id: newId(),
      name: 'impossible.bin',
      mime: 'application/octet-stream',
      size: Number.MAX_SAFE_INTEGER,
      key: newId() + newId(),
      digest: newId() + newId(),
      chunks: [globalThis.crypto.randomUUID()],
    };
    await bob.send(to, { conversation: { kind: 'direct' }, body: { type: 'file', file } });
    await bob.send(to, { conversation: { kind: 'direct' }, body: { type: 'text', text: 'after the impossible file' } });
    await openChatWith(alice, 'Bob');
    await messageWithText(alice, 'after the impossible file').waitFor({ timeout: 15_000 });
    expect(await alice.page.locator('li.message .file', { hasText: 'impossible.bin' }).count()).toBe(0);
  });

  it('hostile content: a ring flood shows one banner per caller, Decline silences that caller, and a ring never makes a group', async () => {
    const ring = (conversation: Conversation) =>
      eve.client.signal(eve.member('Alice'), {
        kind: 'call',
        call: { type: 'ring', roomId: Buffer.from(nativeSuite.randomBytes(16)).toString('base64url'), media: 'audio', conversation },
      });
    const phantom: Conversation = { kind: 'group', id: newId(), name: 'Phantom', members: [eve.me.id, eve.member('Alice').id] };
    await ring(phantom);
    for (let i = 0; i < 40; i++) await ring({ kind: 'direct' });
    const banner = alice.page.locator('.ringing');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.count()).toBe(1);
    await banner.getByRole('button', { name: 'Decline' }).click();
    for (let i = 0; i < 10; i++) await ring({ kind: 'direct' });
    // A ring after them from another caller still rings, so the silence is Eve's only.
    await dave.client.signal(dave.member('Alice'), {
      kind: 'call',
      call: {
        type: 'ring',
        roomId: Buffer.from(nativeSuite.randomBytes(16)).toString('base64url'),
        media: 'audio',
        conversation: { kind: 'direct' },
      },
    });
    await alice.page.locator('.ringing', { hasText: 'Dave is calling' }).waitFor({ timeout: 15_000 });
    expect(await alice.page.locator('.ringing', { hasText: 'Eve is calling' }).count()).toBe(0);
    expect(await alice.page.locator('button.conv[data-conv="Phantom"]').count()).toBe(0);
    await alice.page.locator('.ringing').getByRole('button', { name: 'Decline' }).click();
  });
});

/** A valid 1×1 PNG. */
const ONE_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
