import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

const { SECURE_WEB_PREFERENCES, createMainWindow, hardenWebContents, installWebContentsHardening, externalHref } =
  await import('../../src/main/window.js');

const EXACT_SECURE_PREFERENCES = {
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

const NAVIGATION_EVENTS = ['will-navigate', 'will-frame-navigate', 'will-redirect'] as const;
const FOREIGN_URLS = [
  'https://evil.example/',
  'http://127.0.0.1:8080/',
  'file:///etc/passwd',
  'app://other/index.html',
  'app://circle.evil/index.html',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'chrome://settings',
  'not a url',
];

beforeEach(() => fake.resetFakeElectron());

describe('secure web preferences', () => {
  it('are exactly the hardened set, frozen', () => {
    expect({ ...SECURE_WEB_PREFERENCES }).toStrictEqual(EXACT_SECURE_PREFERENCES);
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true);
  });

  it('the main window gets exactly those preferences plus the preload, and loads app://circle/index.html', () => {
    createMainWindow({ preloadPath: '/opt/circle/dist/preload.cjs' });
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    const win = fake.BrowserWindow.instances[0]!;
    expect(win.options.webPreferences).toStrictEqual({ ...EXACT_SECURE_PREFERENCES, preload: '/opt/circle/dist/preload.cjs' });
    expect(win.loadedUrls).toEqual(['app://circle/index.html']);
    expect(win.options.show).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('every window created gets its own copy: changing one cannot loosen the next', () => {
    createMainWindow({ preloadPath: '/p1' });
    (fake.BrowserWindow.instances[0]!.options.webPreferences as Record<string, unknown>).sandbox = false;
    createMainWindow({ preloadPath: '/p2' });
    expect(fake.BrowserWindow.instances[1]!.options.webPreferences).toStrictEqual({ ...EXACT_SECURE_PREFERENCES, preload: '/p2' });
  });
});

describe('web contents hardening', () => {
  it('is applied to every web contents the app creates, including ones not made by createMainWindow', () => {
    installWebContentsHardening();
    createMainWindow({ preloadPath: '/p' });
    const later = new fake.FakeWebContents();
    fake.app.emit('web-contents-created', new fake.FakeEvent(), later);
    for (const contents of [fake.BrowserWindow.instances[0]!.webContents, later]) {
      expect(contents.windowOpenHandler).not.toBeNull();
      for (const name of [...NAVIGATION_EVENTS, 'will-attach-webview']) expect(contents.listenerCount(name)).toBe(1);
    }
  });

  it.each(NAVIGATION_EVENTS)('%s to another origin is prevented', (eventName) => {
    const contents = new fake.FakeWebContents();
    hardenWebContents(contents as never);
    for (const url of FOREIGN_URLS) expect(contents.navigate(eventName, url), url).toBe(true);
  });

  it.each(NAVIGATION_EVENTS)('%s within app://circle is allowed', (eventName) => {
    const contents = new fake.FakeWebContents();
    hardenWebContents(contents as never);
    expect(contents.navigate(eventName, 'app://circle/index.html')).toBe(false);
    expect(contents.navigate(eventName, 'app://circle/')).toBe(false);
  });

  it('will-attach-webview is always prevented', () => {
    const contents = new fake.FakeWebContents();
    hardenWebContents(contents as never);
    const event = new fake.FakeEvent();
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });

  it('window.open is always denied; http(s) and mailto links go to the OS browser', async () => {
    const contents = new fake.FakeWebContents();
    hardenWebContents(contents as never);
    const open = (url: string) => contents.windowOpenHandler!({ url });
    for (const url of ['https://example.org/a?b=c', 'http://example.org/', 'mailto:someone@example.org']) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(fake.shell.opened).toEqual(['https://example.org/a?b=c', 'http://example.org/', 'mailto:someone@example.org']);
  });

  it('javascript:, file:, data:, app: and other schemes never reach shell.openExternal', () => {
    const contents = new fake.FakeWebContents();
    hardenWebContents(contents as never);
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,x',
      'app://circle/index.html',
      'ftp://example.org/',
      'smb://host/share',
      'vbscript:x',
      'not a url',
      '',
    ]) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(fake.shell.opened).toEqual([]);
    expect(fake.calls).not.toContain('shell.openExternal');
  });

  it('externalHref normalises allowed links and rejects the rest', () => {
    expect(externalHref('HTTPS://Example.org')).toBe('https://example.org/');
    expect(externalHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    expect(externalHref('javascript:alert(1)')).toBeNull();
    expect(externalHref(' file:///x')).toBeNull();
  });
});
