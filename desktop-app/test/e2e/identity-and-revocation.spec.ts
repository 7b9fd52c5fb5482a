import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdentityFile, keyHash } from '@circle/protocol';
import { openAs, openChatWith, screenshot, startWorld, type World } from './support/circle-app.js';

describe('bad identity files and revocation', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(['Alice', 'Bob', 'Mallory']);
  });
  afterAll(async () => world?.close());

  async function errorFor(bytes: Uint8Array, name: string): Promise<string> {
    const path = join(world.dir, name);
    await writeFile(path, bytes);
    const m = await openAs(world, path, { expectError: true });
    const alert = m.page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent())!;
    if (name === 'tampered.bin') await screenshot(m, 'welcome-error');
    await m.context.close();
    return text;
  }

  it('a tampered, truncated or foreign file shows a clear message', async () => {
    const good = world.circle.files[0]!;
    const tampered = good.slice();
    tampered[120]! ^= 0x01;
    expect(await errorFor(tampered, 'tampered.bin')).toMatch(/damaged/);
    expect(await errorFor(good.slice(0, good.length - 20), 'cut.bin')).toMatch(/incomplete/);
    expect(await errorFor(new TextEncoder().encode('hello, this is a text file'), 'notes.bin')).toMatch(/not a Circle identity file/);
  });

  it('a sealed file asks for its passphrase; a wrong one says so, the right one opens', async () => {
    const sealed = await encodeIdentityFile(world.circle.identities[1]!, { passphrase: 'correct horse', kdf: { logN: 14, r: 8, p: 1 } });
    const path = join(world.dir, 'sealed.bin');
    await writeFile(path, sealed);
    const m = await openAs(world, path, { passphrase: 'wrong horse', expectError: true });
    await m.page.getByRole('alert').filter({ hasText: 'Wrong passphrase' }).waitFor();
    await screenshot(m, 'passphrase-wrong');
    await m.page.locator('#passphrase').fill('correct horse');
    await m.page.getByRole('button', { name: 'Unlock' }).click();
    await m.page.locator('[data-testid=connection]', { hasText: 'Online' }).waitFor({ timeout: 20_000 });
    await m.context.close();
  });

  it('a revoked member is shown as such and cannot send', async () => {
    const mallory = await openAs(world, world.identityPath(2));
    await openChatWith(mallory, 'Alice');
    await world.relay.stack.allowlist.revoke(keyHash(world.circle.keys[2]!.member.ed25519PublicKey));
    await mallory.page.locator('[data-testid=connection]', { hasText: 'Identity revoked' }).waitFor({ timeout: 15_000 });
    await mallory.page.locator('.banner-revoked').waitFor();
    expect(await mallory.page.locator('#composer').isDisabled()).toBe(true);
    expect(await mallory.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await screenshot(mallory, 'revoked');
  });
});
