import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageWithText, openAs, openChatWith, screenshot, sendText, startWorld, type Member, type World } from './support/circle-app.js';

describe('groups and offline members', () => {
  let world: World;
  let alice: Member;
  let bob: Member;
  let carol: Member;

  beforeAll(async () => {
    world = await startWorld(['Alice', 'Bob', 'Carol', 'Dave']);
    alice = await openAs(world, world.identityPath(0));
    bob = await openAs(world, world.identityPath(1));
    carol = await openAs(world, world.identityPath(2));
  });
  afterAll(async () => world?.close());

  it('a group of three: everyone sees everyone’s messages', async () => {
    await alice.page.getByRole('button', { name: '+ New group' }).click();
    await alice.page.locator('#group-name').fill('Weekend trip');
    await alice.page.getByRole('checkbox', { name: 'Bob' }).check();
    await alice.page.getByRole('checkbox', { name: 'Carol' }).check();
    await screenshot(alice, 'new-group');
    await alice.page.getByRole('button', { name: 'Create group' }).click();
    await sendText(alice, 'Who brings the tent?');
    for (const m of [bob, carol]) {
      await m.page.locator('button.conv[data-conv="Weekend trip"]').click({ timeout: 15_000 });
      await messageWithText(m, 'Who brings the tent?').waitFor();
    }
    await sendText(bob, 'I will');
    await sendText(carol, 'I bring food');
    for (const m of [alice, bob, carol]) {
      await messageWithText(m, 'I will').waitFor();
      await messageWithText(m, 'I bring food').waitFor();
    }
    expect(await messageWithText(alice, 'I bring food').locator('.author').textContent()).toBe('Carol');
    await expect
      .poll(() => messageWithText(alice, 'Who brings the tent?').locator('[data-state]').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('read');
    await screenshot(alice, 'group');
  });

  it('a member offline receives everything on return, with the sender seeing delivery', async () => {
    await openChatWith(alice, 'Dave');
    for (const t of ['one', 'two', 'three']) await sendText(alice, `while you were away: ${t}`);
    await expect
      .poll(() => messageWithText(alice, 'while you were away: three').locator('[data-state]').getAttribute('data-state'), {
        timeout: 15_000,
      })
      .toBe('sent');
    const dave = await openAs(world, world.identityPath(3));
    await dave.page.locator('button.conv[data-conv="Alice"]').click({ timeout: 15_000 });
    for (const t of ['one', 'two', 'three']) await messageWithText(dave, `while you were away: ${t}`).waitFor();
    await expect
      .poll(() => messageWithText(alice, 'while you were away: one').locator('[data-state]').getAttribute('data-state'), {
        timeout: 15_000,
      })
      .toMatch(/delivered|read/);
  });

  it('history is what the mailbox holds, on a second device too (own copies included)', async () => {
    const aliceAgain = await openAs(world, world.identityPath(0));
    await aliceAgain.page.locator('button.conv[data-conv="Weekend trip"]').click({ timeout: 15_000 });
    await messageWithText(aliceAgain, 'Who brings the tent?').waitFor();
    await messageWithText(aliceAgain, 'I bring food').waitFor();
    expect(await messageWithText(aliceAgain, 'Who brings the tent?').getAttribute('class')).toContain('mine');
  });
});
