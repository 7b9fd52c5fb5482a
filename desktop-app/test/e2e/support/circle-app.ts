/**
 * End-to-end world: a real relay on real PostgreSQL, the built renderer served on loopback,
 * and members who each open the app in their own browser context with their identity file.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeCircle, startTestRelay, type TestCircle, type TestRelay } from '../../../../relay-server/test/support/relay-harness.js';
import { buildRenderer } from '../../../scripts/build-renderer.js';
import { serveRenderer, type RendererServer } from '../../../src/web/serve-renderer.js';
import { launchChromium } from './browser.js';
import { startCoturn } from './coturn.js';

export const ARTIFACTS = join(process.cwd(), 'test-results', 'screens');

export interface World {
  relay: TestRelay;
  app: RendererServer;
  browser: Browser;
  circle: TestCircle;
  dir: string;
  identityPath(i: number): string;
  close(): Promise<void>;
}

let built: Promise<string> | undefined;

export async function startWorld(names: string[], opts: { env?: Record<string, string>; turn?: boolean } = {}): Promise<World> {
  built ??= buildRenderer();
  const coturn = opts.turn ? await startCoturn() : undefined;
  const turnEnv: Record<string, string> = coturn ? { TURN_SECRET: coturn.secret, TURN_URLS: coturn.url, TURN_TTL_SECONDS: '600' } : {};
  const [relay, dir] = await Promise.all([
    startTestRelay('postgresql', { env: { ...turnEnv, ...opts.env } }),
    mkdtemp(join(tmpdir(), 'circle-e2e-')),
    built,
  ]);
  const app = await serveRenderer(await built);
  const circle = await makeCircle(relay, names);
  await Promise.all(circle.files.map((f, i) => writeFile(join(dir, `identity-${String(i + 1).padStart(2, '0')}.bin`), f)));
  const browser = await launchChromium();
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    relay,
    app,
    browser,
    circle,
    dir,
    identityPath: (i) => join(dir, `identity-${String(i + 1).padStart(2, '0')}.bin`),
    close: async () => {
      await browser.close();
      await app.close();
      circle.closeClients();
      await relay.close();
      await coturn?.stop();
    },
  };
}

export interface Member {
  page: Page;
  context: BrowserContext;
}

/** Opens the app in a fresh browser context and loads identity file `path` through the file chooser. */
export async function openAs(world: World, path: string, opts: { passphrase?: string; expectError?: boolean } = {}): Promise<Member> {
  const context = await world.browser.newContext({ viewport: { width: 1200, height: 780 } });
  await context.grantPermissions(['notifications', 'camera', 'microphone'], { origin: world.app.url.replace(/\/$/, '') });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(world.app.url);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open your identity file' }).click();
  await (await chooser).setFiles(path);
  if (opts.passphrase !== undefined) {
    await page.locator('#passphrase').fill(opts.passphrase);
    await page.getByRole('button', { name: 'Unlock' }).click();
  }
  if (!opts.expectError) await page.locator('[data-testid=connection]', { hasText: 'Online' }).waitFor({ timeout: 20_000 });
  return { page, context };
}

export async function openChatWith(m: Member, name: string): Promise<void> {
  await m.page.locator(`button.member[data-member="${name}"]`).click();
  // The composer of the conversation that was open before is still there until this one is drawn.
  await m.page.locator(`section.conversation[aria-label="Conversation: ${name}"] #composer`).waitFor();
}

export async function sendText(m: Member, text: string): Promise<void> {
  await m.page.locator('#composer').fill(text);
  await m.page.locator('#composer').press('Enter');
}

export function messageWithText(m: Member, text: string) {
  return m.page.locator('li.message', { has: m.page.locator('p.text', { hasText: text }) });
}

export async function screenshot(m: Member, name: string): Promise<void> {
  await m.page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
