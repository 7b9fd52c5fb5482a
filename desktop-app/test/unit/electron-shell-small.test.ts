/**
 * The main process's smaller duties: notification text on Linux, what a crashed or hung window
 * does, which remembered identity paths count as local, links, and refusing to run unsandboxed.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

const { notificationBody } = await import('../../src/main/notification-text.js');
const { watchWindow, watchChildProcesses, MAX_RELOADS, RELOAD_WINDOW_MS } = await import('../../src/main/crash-handlers.js');
const { nonLocalPathReason } = await import('../../src/main/identity-file.js');
const { externalHref, linkHost } = await import('../../src/shared/links.js');
const { sandboxOffSwitch, SANDBOX_OFF_SWITCHES } = await import('../../src/main/sandbox-guard.js');
const { buildAgeNotice, bundleBuiltAt, MAX_BUILD_AGE_DAYS } = await import('../../src/main/build-age.js');

describe('notification text', () => {
  it.each([
    ['<b>bold</b>', '&lt;b&gt;bold&lt;/b&gt;'],
    ['<a href="https://evil.example">x</a>', '&lt;a href=&quot;https://evil.example&quot;&gt;x&lt;/a&gt;'],
    ['<img src="file:///etc/passwd"/>', '&lt;img src=&quot;file:///etc/passwd&quot;/&gt;'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    ['&amp; already', '&amp;amp; already'],
    ["it's", 'it&#39;s'],
    ['plain text', 'plain text'],
  ])('on Linux, %j is shown as text: %j', (text, escaped) => {
    expect(notificationBody(text, 'linux')).toBe(escaped);
  });

  it.each(['darwin', 'win32'] as const)('on %s the text is passed as it is (shown as plain text there)', (platform) => {
    expect(notificationBody('<b>Tom & Jerry</b>', platform)).toBe('<b>Tom & Jerry</b>');
  });
});

describe('crash handlers', () => {
  let win: fake.BrowserWindow;
  let now: number;
  let shown: { message: string; detail?: string; buttons?: string[] }[];
  let answer: number;
  beforeEach(() => {
    fake.resetFakeElectron();
    win = new fake.BrowserWindow({});
    now = 1_000_000;
    shown = [];
    answer = 0;
    watchWindow(win as never, {
      showMessage: (_w, options) => (shown.push(options), Promise.resolve({ response: answer })),
      now: () => now,
    });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  const gone = (reason: string) => win.webContents.emit('render-process-gone', new fake.FakeEvent(), { reason, exitCode: 1 });

  it.each(['crashed', 'oom', 'killed', 'launch-failed', 'integrity-failure'])(
    'a renderer gone (%s) reloads Circle’s page and tells the member why',
    (reason) => {
      gone(reason);
      expect(win.loadedUrls).toEqual(['app://circle/index.html']);
      expect(shown).toHaveLength(1);
      expect(shown[0]!.message).toMatch(/stopped and was reloaded/);
      expect(shown[0]!.detail).toContain(reason);
      expect(shown[0]!.detail).toMatch(/identity file/);
    },
  );

  it('a clean exit is not a crash', () => {
    gone('clean-exit');
    expect(win.loadedUrls).toEqual([]);
    expect(shown).toEqual([]);
  });

  it(`stops reloading after ${MAX_RELOADS} crashes within a minute, and says so; reloads again later`, () => {
    for (let i = 0; i < MAX_RELOADS; i += 1) gone('crashed');
    expect(win.loadedUrls).toHaveLength(MAX_RELOADS);
    gone('crashed');
    expect(win.loadedUrls).toHaveLength(MAX_RELOADS);
    expect(shown.at(-1)!.message).toMatch(/keeps stopping/);
    now += RELOAD_WINDOW_MS + 1;
    gone('crashed');
    expect(win.loadedUrls).toHaveLength(MAX_RELOADS + 1);
  });

  it('an unresponsive window asks; "Wait" does nothing', async () => {
    win.emit('unresponsive');
    await Promise.resolve();
    expect(shown[0]!.message).toMatch(/not responding/);
    expect(shown[0]!.buttons).toEqual(['Wait', 'Reload']);
    await new Promise((r) => setTimeout(r, 0));
    expect(win.webContents.crashes).toBe(0);
    expect(win.webContents.reloads).toBe(0);
  });

  it('an unresponsive window asks once, and "Reload" ends the hung renderer and reloads without a second notice', async () => {
    answer = 1;
    win.emit('unresponsive');
    win.emit('unresponsive');
    await new Promise((r) => setTimeout(r, 0));
    expect(shown).toHaveLength(1);
    expect(win.webContents.crashes).toBe(1);
    expect(win.webContents.reloads).toBe(1);
    gone('killed');
    expect(shown).toHaveLength(1);
    expect(win.loadedUrls).toEqual([]);
  });

  it('child processes that end abnormally are logged by type and reason only', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    error.mockClear();
    watchChildProcesses(fake.app as never);
    fake.app.emit('child-process-gone', new fake.FakeEvent(), { type: 'GPU', reason: 'crashed', exitCode: 11 });
    fake.app.emit('child-process-gone', new fake.FakeEvent(), { type: 'Utility', reason: 'clean-exit', exitCode: 0 });
    expect(error.mock.calls.map((c) => c.join(' '))).toEqual(['circle: a GPU process is gone: crashed']);
  });
});

describe('remembered identity paths', () => {
  it.each([
    ['\\\\attacker.example\\share\\id.bin', 'win32'],
    ['//attacker.example/share/id.bin', 'win32'],
    ['\\\\?\\UNC\\attacker.example\\share\\id.bin', 'win32'],
    ['\\\\.\\PhysicalDrive0', 'win32'],
    ['\\\\?\\C:\\id.bin', 'win32'],
    ['C:\\Users\\ada\\id.bin:secret', 'win32'],
    ['id.bin', 'win32'],
    ['C:id.bin', 'win32'],
    ['/proc/self/environ', 'linux'],
    ['/dev/stdin', 'linux'],
    ['/sys/kernel/notes', 'linux'],
    ['/home/ada/../../proc/self/environ', 'linux'],
    ['relative/id.bin', 'linux'],
    ['/home/ada/id\0.bin', 'linux'],
  ] as const)('%j is not a plain local path on %s', (p, platform) => {
    expect(nonLocalPathReason(p, platform)).not.toBeNull();
  });

  it.each([
    ['C:\\Users\\ada\\Documents\\identity-07.bin', 'win32'],
    ['D:\\keys\\id.bin', 'win32'],
    ['/home/ada/identity-07.bin', 'linux'],
    ['/Users/ada/Documents/identity-07.bin', 'darwin'],
    ['/devices/id.bin', 'linux'],
  ] as const)('%j is a plain local path on %s', (p, platform) => {
    expect(nonLocalPathReason(p, platform)).toBeNull();
  });
});

describe('links leaving the app', () => {
  it.each([
    ['https://example.org/a?b=c#d', 'https://example.org/a?b=c#d'],
    ['HTTPS://Example.org', 'https://example.org/'],
    ['https://аpple.example/login', 'https://xn--pple-43d.example/login'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['mailto:ada@example.org', 'mailto:ada@example.org'],
    ['mailto:ada@example.org?attach=/etc/passwd', 'mailto:ada@example.org'],
    ['mailto:ada@example.org,bob@example.org?subject=x&body=y#z', 'mailto:ada@example.org,bob@example.org'],
  ])('%j opens as %j', (url, href) => {
    expect(externalHref(url)).toBe(href);
  });

  it.each([
    'https://bank.example@evil.example/',
    'https://user:pass@example.org/',
    'https://:pass@example.org/',
    'mailto:?attach=/etc/passwd',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'smb://host/share',
    'not a url',
  ])('%j does not open', (url) => {
    expect(externalHref(url)).toBeNull();
  });

  it('the host shown is the host opened (punycode)', () => {
    const href = externalHref('https://аpple.example/login')!;
    expect(linkHost(href)).toBe('xn--pple-43d.example');
  });
});

describe('sandbox guard', () => {
  it.each(SANDBOX_OFF_SWITCHES)('--%s is refused', (name) => {
    expect(sandboxOffSwitch({ hasSwitch: (s) => s === name })).toBe(name);
  });

  it('ordinary switches are not', () => {
    expect(sandboxOffSwitch({ hasSwitch: (s) => s === 'enable-features' })).toBeNull();
  });
});

describe('build age', () => {
  const built = new Date('2026-12-07T12:00:00Z');
  const later = (days: number) => new Date(built.getTime() + days * 24 * 60 * 60 * 1000);

  it(`is quiet up to ${MAX_BUILD_AGE_DAYS} days, and unknown (sources, tests) is quiet`, () => {
    expect(buildAgeNotice(built, later(MAX_BUILD_AGE_DAYS))).toBeNull();
    expect(buildAgeNotice(null, later(1000))).toBeNull();
    expect(bundleBuiltAt()).toBeNull();
  });

  it('after that, says how old the copy is and what to do', () => {
    const notice = buildAgeNotice(built, later(200))!;
    expect(notice.message).toBe('This copy of Circle is 200 days old');
    expect(notice.detail).toMatch(/operator/);
  });
});
