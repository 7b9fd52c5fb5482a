import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../src/shared/bridge.js';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

type Fake = typeof fake;

const SECURE = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  spellcheck: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
};

let appRoot: string;
beforeAll(async () => {
  appRoot = await mkdtemp(path.join(tmpdir(), 'circle-main-'));
  await mkdir(path.join(appRoot, 'dist', 'renderer'), { recursive: true });
  await writeFile(path.join(appRoot, 'dist', 'renderer', 'index.html'), '<!doctype html><p>Open your identity file</p>');
  await writeFile(path.join(appRoot, 'secret.txt'), 'SECRET');
});
afterAll(() => rm(appRoot, { recursive: true, force: true }));

const realPlatform = process.platform;
afterEach(() => {
  Object.defineProperty(process, 'platform', { value: realPlatform });
});

// Importing main.ts runs main() once, as in the bundle; each test then runs it again on a fresh fake.
const { main } = await import('../../src/main/main.js');

/** Runs the main process's start-up against a fresh fake Electron; `before` can set the scene first. */
async function startMain(before: (f: Fake) => void = () => undefined): Promise<Fake> {
  fake.resetFakeElectron();
  fake.app.appPath = appRoot;
  fake.app.paths = { userData: path.join(appRoot, 'userData'), downloads: path.join(appRoot, 'Downloads') };
  before(fake);
  main();
  return fake;
}

describe('main process start-up', () => {
  it('before ready: sandboxes every renderer first, takes the single-instance lock, registers the app scheme; opens nothing yet', async () => {
    await startMain();
    expect(fake.calls.slice(0, 3)).toEqual(['app.enableSandbox', 'app.requestSingleInstanceLock', 'protocol.registerSchemesAsPrivileged']);
    expect(fake.protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    expect(fake.ipcMain.handlers.size).toBe(0);
    expect(fake.app.listenerCount('web-contents-created')).toBe(1);
  });

  it('when ready: serves app://, sets permission handlers, registers every IPC channel, then opens one hardened window', async () => {
    await startMain();
    await fake.app.makeReady();
    const order = ['protocol.handle app', 'session.setPermissionRequestHandler', 'ipcMain.handle identity:open', 'new BrowserWindow'];
    const positions = order.map((c) => fake.calls.indexOf(c));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    const ses = fake.session.defaultSession;
    expect(
      [ses.permissionRequestHandler, ses.permissionCheckHandler, ses.devicePermissionHandler, ses.displayMediaRequestHandler].every(
        Boolean,
      ),
    ).toBe(true);
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    const win = fake.BrowserWindow.instances[0]!;
    expect(win.options.webPreferences).toStrictEqual({ ...SECURE, preload: path.join(appRoot, 'dist', 'preload.cjs') });
    expect(win.loadedUrls).toEqual(['app://circle/index.html']);
    expect(win.webContents.windowOpenHandler).not.toBeNull();
  });

  it('serves the built renderer folder with the CSP, and nothing outside it', async () => {
    await startMain();
    await fake.app.makeReady();
    const serve = fake.protocol.handlers.get('app')!;
    const page = (await serve({ url: 'app://circle/index.html', method: 'GET' })) as Response;
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Open your identity file');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const escape = (await serve({ url: 'app://circle/..%2f..%2fsecret.txt', method: 'GET' })) as Response;
    expect(escape.status).toBe(403);
  });

  it('a second instance quits at once, touching nothing else', async () => {
    await startMain((f) => (f.app.singleInstanceLock = false));
    await fake.app.makeReady();
    expect(fake.calls.filter((c) => c !== '(app ready)')).toEqual(['app.enableSandbox', 'app.requestSingleInstanceLock', 'app.quit']);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
  });

  it('a second launch focuses the existing window instead', async () => {
    await startMain();
    await fake.app.makeReady();
    const win = fake.BrowserWindow.instances[0]!;
    win.minimized = true;
    fake.app.emit('second-instance', new fake.FakeEvent(), [], '/');
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);
  });

  it.each([
    ['linux', true],
    ['win32', true],
    ['darwin', false],
  ] as const)('on %s, closing the last window quits: %s', async (platform, quits) => {
    await startMain();
    await fake.app.makeReady();
    Object.defineProperty(process, 'platform', { value: platform });
    fake.BrowserWindow.instances[0]!.close();
    fake.calls.length = 0;
    fake.app.emit('window-all-closed');
    expect(fake.calls.includes('app.quit')).toBe(quits);
  });

  it('re-activating with no window (macOS dock) opens a new one with the same hardening', async () => {
    await startMain();
    await fake.app.makeReady();
    fake.app.emit('activate');
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    fake.BrowserWindow.instances[0]!.close();
    fake.app.emit('activate');
    expect(fake.BrowserWindow.instances).toHaveLength(2);
    for (const win of fake.BrowserWindow.instances) {
      expect(win.options.webPreferences).toStrictEqual({ ...SECURE, preload: path.join(appRoot, 'dist', 'preload.cjs') });
      expect(win.webContents.windowOpenHandler).not.toBeNull();
      expect(win.webContents.listenerCount('will-navigate')).toBe(1);
    }
  });

  it('IPC answers the new window after the first one closed, and refuses the closed one', async () => {
    await startMain();
    await fake.app.makeReady();
    const first = fake.BrowserWindow.instances[0]!;
    const firstEvent = { sender: first.webContents, senderFrame: first.webContents.mainFrame };
    first.close();
    fake.app.emit('activate');
    const second = fake.BrowserWindow.instances[1]!;
    const fromSecond = { sender: second.webContents, senderFrame: second.webContents.mainFrame };
    expect(await fake.ipcMain.invoke('settings:get', fromSecond)).toMatchObject({ ok: true });
    expect(await fake.ipcMain.invoke('settings:get', firstEvent)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  });

  it.each(['no-sandbox', 'disable-gpu-sandbox'])('refuses to start with --%s, saying why, and opens nothing', async (name) => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await startMain((f) => f.app.commandLine.switches.add(name));
    await fake.app.makeReady();
    expect(fake.app.exitCode).toBe(1);
    expect(fake.dialog.errorBoxes).toHaveLength(1);
    expect(fake.dialog.errorBoxes[0]!.title).toMatch(/sandbox/);
    expect(fake.dialog.errorBoxes[0]!.content).toContain(`--${name}`);
    expect(fake.BrowserWindow.instances).toHaveLength(0);
    expect(fake.ipcMain.handlers.size).toBe(0);
    error.mockRestore();
  });

  it.each([
    ['win32', 'org.circle.messenger'],
    ['linux', null],
  ] as const)('on %s sets the AppUserModelId to %s (Windows notifications need it)', async (platform, id) => {
    Object.defineProperty(process, 'platform', { value: platform });
    await startMain();
    expect(fake.app.appUserModelId).toBe(id);
  });

  it('the window title is main’s: it shows a downgrade in effect from the start, whatever the page sets', async () => {
    await mkdir(path.join(appRoot, 'userData'), { recursive: true });
    await writeFile(
      path.join(appRoot, 'userData', 'settings.json'),
      JSON.stringify({ notifications: { enabled: true, showContent: false }, calls: { relayOnly: false }, verified: {} }),
    );
    await startMain();
    await fake.app.makeReady();
    const win = fake.BrowserWindow.instances[0]!;
    await vi.waitFor(() => expect(win.title).toMatch(/relay-only calls off/));
    const event = new fake.FakeEvent();
    win.emit('page-title-updated', event, 'Circle');
    expect(event.defaultPrevented).toBe(true);
    await rm(path.join(appRoot, 'userData'), { recursive: true, force: true });
  });

  it('a crashed window is reloaded with a notice', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await startMain();
    await fake.app.makeReady();
    const win = fake.BrowserWindow.instances[0]!;
    win.webContents.emit('render-process-gone', new fake.FakeEvent(), { reason: 'crashed', exitCode: 1 });
    expect(win.loadedUrls).toEqual(['app://circle/index.html', 'app://circle/index.html']);
    expect(fake.dialog.messageBoxes[0]!.options.message).toMatch(/reloaded/);
    vi.restoreAllMocks();
  });
});
