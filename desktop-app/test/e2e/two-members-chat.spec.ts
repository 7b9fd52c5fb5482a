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

  it('messages go both ways, rendered as text, and reach delivered then read', async () => {
    await openChatWith(alice, 'Bob');
    await sendText(alice, 'Hi Bob! <b>not bold</b> https://example.org');
    await expect.poll(() => bob.page.locator('button.conv[data-conv="Alice"]').count(), { timeout: 15_000 }).toBe(1);
    await bob.page.locator('button.conv[data-conv="Alice"]').click();
    const received = messageWithText(bob, 'Hi Bob!');
    await received.waitFor();
    expect(await received.locator('p.text').textContent()).toBe('Hi Bob! <b>not bold</b> https://example.org');
    expect(await received.locator('b').count()).toBe(0);
    expect(await received.locator('a').getAttribute('href')).toBe('https://example.org');
    await sendText(bob, 'Hello Alice');
    await messageWithText(alice, 'Hello Alice').waitFor();
    await expect.poll(() => messageWithText(alice, 'Hi Bob!').locator('[data-state]').getAttribute('data-state'), { timeout: 15_000 }).toBe('read');
    await screenshot(alice, 'conversation');
    await screenshot(bob, 'conversation-bob');
  });
});
