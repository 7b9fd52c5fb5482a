import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageWithText, openAs, openChatWith, screenshot, sendText, startWorld, type Member, type World } from './support/circle-app.js';

describe('two members chat in real browsers through a real relay', () => {
  let world: World;
  let alice: Member;
  let bob: Member;

  beforeAll(async () => {
    world = await startWorld(['Alice', 'Bob', 'Carol']);
    alice = await openAs(world, world.identityPath(0));
    bob = await openAs(world, world.identityPath(1));
  });
  afterAll(async () => world?.close());

  it('shows the roster with presence', async () => {
    await expect.poll(() => alice.page.locator('button.member[data-member="Bob"] .presence').textContent()).toBe('online');
    await expect.poll(() => alice.page.locator('button.member[data-member="Carol"] .presence').textContent()).toBe('');
    await screenshot(alice, 'main-screen');
  });

  it('announces new messages to screen readers without making the whole app a live region', async () => {
    expect(await alice.page.locator('#app').getAttribute('aria-live')).toBeNull();
    expect(await alice.page.locator('#app[role=status], #app[role=log], #app[role=alert]').count()).toBe(0);
    await openChatWith(bob, 'Alice');
    await sendText(bob, 'Announce me please');
    await expect.poll(() => alice.page.locator('#announcer').textContent(), { timeout: 15_000 }).toBe('Bob: Announce me please');
    expect(await alice.page.locator('#announcer').getAttribute('aria-live')).toBe('polite');
  });

  it('messages go both ways, rendered as text, and reach delivered then read', async () => {
    await openChatWith(alice, 'Bob');
    await sendText(alice, 'Hi Bob! <b>not bold</b> https://example.org');
    await expect.poll(() => bob.page.locator('button.conv[data-conv="Alice"]').count(), { timeout: 15_000 }).toBe(1);
    await bob.page.locator('button.conv[data-conv="Alice"]').click();
    const received = messageWithText(bob, 'Hi Bob!');
    await received.waitFor();
    expect(await received.locator('p.text').textContent()).toBe('Hi Bob! <b>not bold</b> https://example.org');
    expect(await received.locator('b').count()).toBe(0);
    expect(await received.locator('a').getAttribute('href')).toBe('https://example.org/');
    await sendText(bob, 'Hello Alice');
    await messageWithText(alice, 'Hello Alice').waitFor();
    await expect
      .poll(() => messageWithText(alice, 'Hi Bob!').locator('[data-state]').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('read');
    await screenshot(alice, 'conversation');
    await screenshot(bob, 'conversation-bob');
  });

  it('reply, react, edit and unsend are seen on the other side', async () => {
    const original = messageWithText(bob, 'Hi Bob!');
    await original.hover();
    await original.getByRole('button', { name: 'Reply' }).click();
    await sendText(bob, 'replying to you');
    const reply = messageWithText(alice, 'replying to you');
    await reply.waitFor();
    expect(await reply.locator('blockquote').textContent()).toContain('Hi Bob!');

    await original.hover();
    await original.getByRole('button', { name: 'React 👍' }).click();
    await expect.poll(() => messageWithText(alice, 'Hi Bob!').locator('.reaction').textContent(), { timeout: 15_000 }).toBe('👍 1');

    await sendText(alice, 'typo mesage');
    const typo = messageWithText(alice, 'typo mesage');
    await typo.waitFor();
    await messageWithText(bob, 'typo mesage').waitFor();
    await typo.hover();
    await typo.getByRole('button', { name: 'Edit' }).click();
    await alice.page.locator('.compose-context', { hasText: 'Editing your message' }).waitFor();
    await expect.poll(() => alice.page.locator('#composer').inputValue()).toBe('typo mesage');
    await alice.page.locator('#composer').fill('typo message (fixed)');
    // A message arriving mid-edit redraws the conversation; the typed edit must survive it.
    await sendText(bob, 'take your time');
    await messageWithText(alice, 'take your time').waitFor();
    expect(await alice.page.locator('#composer').inputValue()).toBe('typo message (fixed)');
    await alice.page.locator('#composer').press('Enter');
    const edited = messageWithText(bob, 'typo message (fixed)');
    await edited.waitFor({ timeout: 15_000 });
    expect(await edited.locator('.edited').textContent()).toBe('edited');

    await sendText(alice, 'I should not have said that');
    await messageWithText(bob, 'I should not have said that').waitFor();
    const regret = messageWithText(alice, 'I should not have said that');
    await regret.hover();
    await regret.getByRole('button', { name: 'Unsend' }).click();
    await alice.page.getByRole('button', { name: 'Unsend' }).last().click();
    await expect.poll(() => messageWithText(bob, 'I should not have said that').count(), { timeout: 15_000 }).toBe(0);
    await bob.page.locator('p.text.unsent', { hasText: 'This message was unsent' }).waitFor();
    await screenshot(bob, 'reply-react-edit-unsend');
  });

  it('shows the safety number and keeps the verified mark', async () => {
    await alice.page.getByRole('button', { name: 'Verify safety number' }).click();
    const digits = (await alice.page.locator('[data-testid=safety-number]').textContent())!;
    expect(digits.replace(/\s/g, '')).toMatch(/^\d{60}$/);
    await screenshot(alice, 'safety-number');
    await alice.page.locator('#verified').check();
    await alice.page.getByRole('button', { name: 'Done' }).click();
    await alice.page.getByRole('button', { name: '✔ Verified' }).waitFor();
    await bob.page.getByRole('button', { name: 'Verify safety number' }).click();
    const bobDigits = (await bob.page.locator('[data-testid=safety-number]').textContent())!;
    expect(bobDigits).toBe(digits);
    await bob.page.getByRole('button', { name: 'Done' }).click();
  });

  it('Ctrl+K jumps to a conversation from the keyboard', async () => {
    await alice.page.keyboard.press('Control+k');
    await alice.page.locator('#jump-input').fill('car');
    await alice.page.keyboard.press('Enter');
    await alice.page.locator('.conv-header h1', { hasText: 'Carol' }).waitFor();
  });
});
