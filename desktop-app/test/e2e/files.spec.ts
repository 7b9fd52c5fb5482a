import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAs, openChatWith, screenshot, startWorld, type Member, type World } from './support/circle-app.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A tiny valid JPEG (8x8, from a canvas) with an Exif APP1 segment spliced in after SOI. */
async function jpegWithExif(page: Member['page']): Promise<Buffer> {
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(8, 8);
    c.getContext('2d')!.fillRect(0, 0, 4, 4);
    const blob = await c.convertToBlob({ type: 'image/jpeg' });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  });
  const jpeg = Buffer.from(b64, 'base64');
  const payload = Buffer.concat([Buffer.from('Exif\0\0'), Buffer.from('GPS 51.5007N 0.1246W SECRET-LOCATION')]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.from([(payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

describe('files', () => {
  let world: World;
  let alice: Member;
  let bob: Member;

  beforeAll(async () => {
    world = await startWorld(['Alice', 'Bob']);
    alice = await openAs(world, world.identityPath(0));
    bob = await openAs(world, world.identityPath(1));
    await openChatWith(alice, 'Bob');
  });
  afterAll(async () => world?.close());

  it('a 10 MiB file arrives byte-identical, with progress, and saves through the save path', async () => {
    const bytes = Buffer.from(Array.from({ length: 10 * 1024 * 1024 }, (_, i) => (i * 7919) % 251));
    const path = join(world.dir, 'holiday-video.bin');
    await writeFile(path, bytes);
    const chooser = alice.page.waitForEvent('filechooser');
    await alice.page.getByRole('button', { name: 'Attach a file' }).click();
    await (await chooser).setFiles(path);
    await bob.page.locator('button.conv[data-conv="Alice"]').click({ timeout: 30_000 });
    const card = bob.page.locator('li.message .file', { hasText: 'holiday-video.bin' });
    await card.waitFor({ timeout: 60_000 });
    expect(await card.locator('.file-size').textContent()).toBe('10.0 MB');
    const download = bob.page.waitForEvent('download', { timeout: 60_000 });
    await card.getByRole('button', { name: 'Save…' }).click();
    const saved = await (await download).path();
    expect(sha(await readFile(saved))).toBe(sha(bytes));
    await screenshot(bob, 'file-received');
  }, 120_000);

  it('images show a preview and arrive with their metadata stripped', async () => {
    const jpeg = await jpegWithExif(alice.page);
    expect(jpeg.includes(Buffer.from('SECRET-LOCATION'))).toBe(true);
    const path = join(world.dir, 'photo.jpg');
    await writeFile(path, jpeg);
    const chooser = alice.page.waitForEvent('filechooser');
    await alice.page.getByRole('button', { name: 'Attach a file' }).click();
    await (await chooser).setFiles(path);
    const card = bob.page.locator('li.message .file', { hasText: 'photo.jpg' });
    await card.waitFor({ timeout: 30_000 });
    await card.locator('canvas.preview').waitFor({ timeout: 30_000 });
    const download = bob.page.waitForEvent('download');
    await card.getByRole('button', { name: 'Save…' }).click();
    const got = await readFile(await (await download).path());
    expect(got.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(got.includes(Buffer.from('SECRET-LOCATION'))).toBe(false);
    expect(got.includes(Buffer.from('Exif\0\0'))).toBe(false);
  }, 60_000);
});
