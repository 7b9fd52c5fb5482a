/**
 * The main process against renderer script that wants more than the member gave it: every
 * channel of the bridge driven with hostile arguments, through the real start-up (`main()`)
 * on the fake Electron, from the main window's own frame (the sender checks pass: this is
 * script inside our page). What must hold (SECURITY.md 3.2, DESIGN.md "Main process ←
 * renderer"): no file is read or written except through a dialog the member answered, no
 * security setting changes without a native confirmation, no screen source without a
 * gesture and a pick.
 */
import { mkdir, mkdtemp, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, type Result } from '@circle/protocol';
import { CHANNELS } from '../../src/shared/bridge.js';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

const { main } = await import('../../src/main/main.js');

const SECRET = 'SECRET-SSH-KEY-0123456789';
let root: string;
let home: string;
let secretFile: string;
let identityFile: string;
const IDENTITY_BYTES = new Uint8Array([0x43, 0x49, 0x52, 0x43, 1, 2, 3, 4]);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'circle-hostile-'));
  home = path.join(root, 'home');
  await mkdir(path.join(home, '.ssh'), { recursive: true });
  secretFile = path.join(home, '.ssh', 'id_ed25519');
  await writeFile(secretFile, SECRET);
  await mkdir(path.join(root, 'app', 'dist', 'renderer'), { recursive: true });
  await writeFile(path.join(root, 'app', 'dist', 'renderer', 'index.html'), '<!doctype html>');
});
afterAll(() => rm(root, { recursive: true, force: true }));

beforeEach(async () => {
  await rm(path.join(root, 'userData'), { recursive: true, force: true });
  await rm(path.join(root, 'Downloads'), { recursive: true, force: true });
  await mkdir(path.join(root, 'Downloads'));
  identityFile = path.join(home, 'identity-07.bin');
  await writeFile(identityFile, IDENTITY_BYTES);
  fake.resetFakeElectron();
  fake.app.appPath = path.join(root, 'app');
  fake.app.paths = { userData: path.join(root, 'userData'), downloads: path.join(root, 'Downloads') };
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  main();
  await fake.app.makeReady();
});

const win = () => fake.BrowserWindow.instances[0]!;
/** An invoke from renderer script in our own page: the sender checks pass. */
async function call<T = unknown>(channel: string, ...args: unknown[]): Promise<Result<T>> {
  const contents = win().webContents;
  return (await fake.ipcMain.invoke(channel, { sender: contents, senderFrame: contents.mainFrame }, ...args)) as Result<T>;
}
const answered = (r: Result<unknown>) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString() : v));

/** Hostile values a script would try in every slot that could name a path or a URL. */
const HOSTILE_PATHS = [
  () => secretFile,
  () => '/proc/self/environ',
  () => '\\\\attacker.example\\share\\x.bin',
  () => '//attacker.example/share/x.bin',
  () => '\\\\.\\PhysicalDrive0',
  () => `${home}/../home/.ssh/id_ed25519`,
];

describe('compromised renderer: files', () => {
  it('compromised renderer: no channel, with any hostile argument, returns the bytes of a file the member did not pick', async () => {
    for (const hostile of HOSTILE_PATHS) {
      const p = hostile();
      const attempts: [string, unknown[]][] = [
        ['settings:update', [{ lastIdentityPath: p }]],
        ['settings:update', [{ lastIdentityPath: p, lastIdentitySize: SECRET.length }]],
        ['identity:open-last', []],
        ['identity:open-last', [p]],
        ['identity:open', [p]],
        ['identity:open', []],
        ['file:save', [{ suggestedName: p, bytes: new Uint8Array([1]) }]],
        ['external:open', [`file://${p}`]],
        ['notify', [{ title: p, body: p }]],
        ['settings:get', []],
      ];
      for (const [channel, args] of attempts) {
        const result = await call(channel, ...args);
        expect(answered(result), `${channel} ${p}`).not.toContain(SECRET);
      }
    }
    expect(fake.shell.opened).toEqual([]);
  });

  it('compromised renderer: settings:update cannot set the remembered identity path', async () => {
    const result = await call('settings:update', { lastIdentityPath: secretFile });
    expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    expect(await call('identity:open-last')).toEqual({ ok: true, value: null });
    const stored = await call<Record<string, unknown>>('settings:get');
    expect(stored.ok && stored.value.lastIdentityPath).toBeUndefined();
  });

  it('compromised renderer: identity:open-last reopens only the file the member picked, unchanged in size and not swapped for a symlink', async () => {
    fake.dialog.nextOpen = { canceled: false, filePaths: [identityFile] };
    expect(await call('identity:open')).toMatchObject({ ok: true, value: { name: 'identity-07.bin' } });
    const again = await call<{ bytes: Uint8Array }>('identity:open-last');
    expect(again.ok && [...again.value.bytes]).toEqual([...IDENTITY_BYTES]);

    // Swapped for a symlink to another file: refused, with the same answer as a missing file.
    await unlink(identityFile);
    await symlink(secretFile, identityFile);
    expect(await call('identity:open-last')).toEqual({ ok: true, value: null });

    // Replaced by another file of a different size: refused the same way.
    await unlink(identityFile);
    await writeFile(identityFile, SECRET);
    expect(await call('identity:open-last')).toEqual({ ok: true, value: null });

    // Gone: the same answer again, so a probe cannot tell which.
    await unlink(identityFile);
    expect(await call('identity:open-last')).toEqual({ ok: true, value: null });
  });

  it('compromised renderer: an executable sent as an attachment is not saved unless the member confirms a warning first', async () => {
    const target = path.join(root, 'Downloads', 'Invoice.pdf .exe');
    fake.dialog.nextSave = { canceled: false, filePath: target };
    const name = `Invoice.pdf${' '.repeat(80)}.exe`;
    expect(await call('file:save', { suggestedName: name, bytes: new Uint8Array([0x4d, 0x5a]) })).toEqual({
      ok: true,
      value: { saved: false },
    });
    expect(fake.dialog.messageBoxes).toHaveLength(1);
    expect(fake.dialog.messageBoxes[0]!.options.message).toMatch(/program/i);
    expect(fake.dialog.saveCalls).toHaveLength(0);
    expect(await readdir(path.join(root, 'Downloads'))).toEqual([]);
  });
});

describe('compromised renderer: security settings', () => {
  it('compromised renderer: the relay cannot be pointed anywhere but the pinned relay', async () => {
    for (const url of ['https://attacker.example', 'http://127.0.0.1:9/', 'wss://attacker.example']) {
      expect(await call('settings:update', { relayUrlOverride: url })).toMatchObject({ ok: false, error: { code: ErrorCode.BadRequest } });
    }
    const stored = await call<Record<string, unknown>>('settings:get');
    expect(stored.ok && 'relayUrlOverride' in stored.value).toBe(false);
  });

  it('compromised renderer: turning relay-only calls off needs the member to confirm a native dialog naming the consequence', async () => {
    const refused = await call<{ calls: { relayOnly: boolean } }>('settings:update', {
      calls: { relayOnly: false },
      notifications: { enabled: false },
    });
    expect(fake.dialog.messageBoxes).toHaveLength(1);
    const box = fake.dialog.messageBoxes[0]!;
    expect(box.window).toBe(win());
    expect(`${box.options.message} ${box.options.detail ?? ''}`).toMatch(/IP address/);
    expect(refused.ok && refused.value.calls.relayOnly).toBe(true);
    expect(refused.ok && (refused.value as unknown as { notifications: { enabled: boolean } }).notifications.enabled).toBe(false);

    fake.dialog.messageBoxAnswers = [1];
    const confirmed = await call<{ calls: { relayOnly: boolean } }>('settings:update', { calls: { relayOnly: false } });
    expect(confirmed.ok && confirmed.value.calls.relayOnly).toBe(false);
    expect(fake.dialog.messageBoxes).toHaveLength(2);
  });

  it('compromised renderer: while relay-only calls are off the window title says so, and the page cannot change it', async () => {
    expect(win().title).toBe('Circle');
    fake.dialog.messageBoxAnswers = [1];
    await call('settings:update', { calls: { relayOnly: false } });
    expect(win().title).toMatch(/relay-only calls off/i);
    const event = new fake.FakeEvent();
    win().emit('page-title-updated', event, 'Circle', true);
    expect(event.defaultPrevented).toBe(true);
    await call('settings:update', { calls: { relayOnly: true } });
    expect(win().title).toBe('Circle');
  });
});

describe('compromised renderer: screen sharing', () => {
  beforeEach(() => {
    fake.desktopCapturer.sources = [
      { id: 'screen:1:0', name: 'Entire screen' },
      { id: 'window:42:0', name: 'Bank - Private' },
    ];
  });

  /** A getDisplayMedia() request as Electron hands it to main. */
  function requestCapture(overrides: Record<string, unknown> = {}): Promise<unknown> {
    const handler = fake.session.defaultSession.displayMediaRequestHandler!;
    return new Promise((resolve) =>
      handler(
        {
          frame: win().webContents.mainFrame,
          securityOrigin: 'app://circle',
          videoRequested: true,
          audioRequested: false,
          userGesture: true,
          ...overrides,
        },
        resolve,
      ),
    );
  }

  it('compromised renderer: no channel hands the page window titles or thumbnails', async () => {
    for (const channel of [...CHANNELS, 'screen:sources', 'screen:select']) {
      const result = await call(channel).catch(() => null);
      expect(answered(result as Result<unknown>)).not.toContain('Bank - Private');
    }
    expect(fake.desktopCapturer.requests).toEqual([]);
  });

  it('compromised renderer: a capture without a user gesture, or from a null frame, gets nothing, whatever the page did before', async () => {
    // What page script could do through the bridge before: list, select, then capture silently.
    await call('screen:sources').catch(() => null);
    await call('screen:select', 'window:42:0').catch(() => null);
    fake.desktopCapturer.requests = [];
    expect(await requestCapture({ userGesture: false })).toBeNull();
    expect(await requestCapture({ frame: null })).toBeNull();
    expect(await requestCapture({ frame: { url: 'app://circle/index.html', parent: win().webContents.mainFrame } })).toBeNull();
    expect(fake.desktopCapturer.requests).toEqual([]);
    expect(fake.dialog.messageBoxes).toEqual([]);
  });

  it('compromised renderer: a capture gets only the source the member picks in main’s own picker, once', async () => {
    fake.dialog.messageBoxAnswers = [1];
    expect(await requestCapture()).toEqual({ video: { id: 'window:42:0', name: 'Bank - Private' } });
    expect(fake.dialog.messageBoxes[0]!.window).toBe(win());
    expect(fake.dialog.messageBoxes[0]!.options.buttons).toEqual(expect.arrayContaining(['Entire screen', 'Bank - Private']));
    // The next request asks again; cancelling it grants nothing.
    expect(await requestCapture()).toBeNull();
    expect(fake.dialog.messageBoxes).toHaveLength(2);
  });
});

describe('compromised renderer: the smaller doors', () => {
  it('compromised renderer: a mailto: link opens without its query (no ?attach=, no prefilled body)', async () => {
    await call('external:open', 'mailto:ada@example.org?attach=/home/ada/.ssh/id_ed25519&body=x');
    expect(fake.shell.opened).toEqual(['mailto:ada@example.org']);
  });

  it('compromised renderer: a link with credentials in its host part (https://bank.example@evil.example) is refused', async () => {
    expect(await call('external:open', 'https://bank.example@evil.example/')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.Forbidden },
    });
    expect(fake.shell.opened).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'compromised renderer: markup in a notification is shown as text on Linux, not rendered by libnotify',
    async () => {
      await call('notify', { title: 'Ada', body: '<a href="https://evil.example">click</a> & <b>win</b>' });
      expect(fake.Notification.instances[0]!.options.body).toBe(
        '&lt;a href=&quot;https://evil.example&quot;&gt;click&lt;/a&gt; &amp; &lt;b&gt;win&lt;/b&gt;',
      );
    },
  );
});
