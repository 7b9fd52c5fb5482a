import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, MAX_IDENTITY_FILE_BYTES, type Result } from '@circle/protocol';
import { CHANNELS, type Channel } from '../../src/shared/bridge.js';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

const { registerIpcHandlers, toIpcError } = await import('../../src/main/ipc.js');
const { SettingsStore } = await import('../../src/main/settings.js');

const APP_URL = 'app://circle/index.html';

/** Arguments each channel accepts, so that a refusal is only ever about the sender. */
const VALID_ARGS: Record<Channel, unknown[]> = {
  'identity:open': [],
  'identity:open-last': [],
  'file:save': [{ suggestedName: 'photo.jpg', bytes: new Uint8Array([1, 2, 3]) }],
  'settings:get': [],
  'settings:update': [{ notifications: { enabled: false } }],
  notify: [{ title: 'Ada', body: 'New message' }],
  'external:open': ['https://example.org/'],
};

/** One malformed call per channel and the field its BadRequest must name. */
const BAD_ARGS: Record<Channel, [unknown[], string][]> = {
  'identity:open': [[['/etc/passwd'], 'arguments']],
  'identity:open-last': [[[{ path: '/etc/passwd' }], 'arguments']],
  'file:save': [
    [[{ suggestedName: '', bytes: new Uint8Array(1) }], 'args[0].suggestedName'],
    [[{ suggestedName: 'a.txt', bytes: 'not bytes' }], 'args[0].bytes'],
    [[{ suggestedName: 'a.txt', bytes: [1, 2, 3] }], 'args[0].bytes'],
    [[{ suggestedName: 'a.txt', bytes: new Uint8Array(1), path: '/etc/passwd' }], 'path'],
    [[], 'arguments'],
  ],
  'settings:get': [[['x'], 'arguments']],
  'settings:update': [
    [[{ calls: { relayOnly: 'yes' } }], 'args[0].calls.relayOnly'],
    [[{ relayUrlOverride: 'https://relay.example' }], 'relayUrlOverride'],
    [[{ lastIdentityPath: '/etc/passwd' }], 'lastIdentityPath'],
    [[{ secretKey: 'AAAA' }], 'secretKey'],
    [['all'], 'args[0]'],
  ],
  notify: [
    [[{ title: '', body: 'x' }], 'args[0].title'],
    [[{ title: 'x', body: 'y'.repeat(501) }], 'args[0].body'],
    [['hello'], 'args[0]'],
  ],
  'external:open': [
    [[5], 'args[0]'],
    [['https://x/'.padEnd(5000, 'x')], 'args[0]'],
  ],
};

let dir: string;
let mainWindow: fake.BrowserWindow;
let settings: InstanceType<typeof SettingsStore>;
let marked: string[];

beforeEach(async () => {
  fake.resetFakeElectron();
  dir = await mkdtemp(path.join(tmpdir(), 'circle-ipc-'));
  mainWindow = new fake.BrowserWindow({});
  await mainWindow.loadURL(APP_URL);
  settings = new SettingsStore(path.join(dir, 'userData'));
  marked = [];
  registerIpcHandlers({
    getMainWindow: () => mainWindow as never,
    settings,
    getDownloadsDir: () => path.join(dir, 'Downloads'),
    markDownloaded: (file) => (marked.push(file), Promise.resolve()),
  });
  fake.calls.length = 0;
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** An IPC event as Electron builds it: the sending web contents and frame. */
function eventFrom(frame: fake.FakeFrame | null, sender: fake.FakeWebContents = mainWindow.webContents) {
  return { sender, senderFrame: frame, frameId: frame?.routingId ?? 0, processId: frame?.processId ?? 0 };
}
const fromMainFrame = () => eventFrom(mainWindow.webContents.mainFrame);

async function call<T = unknown>(channel: string, event: unknown, ...args: unknown[]): Promise<Result<T>> {
  return (await fake.ipcMain.invoke(channel, event, ...args)) as Result<T>;
}

/** The calls into Electron that would have an effect a renderer cares about. */
const effects = () => fake.calls.filter((c) => /dialog|shell|Notification|desktopCapturer/.test(c));

describe('registration', () => {
  it('registers exactly one handler per channel in CHANNELS', () => {
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
  });
});

describe.each(CHANNELS)('%s', (channel) => {
  const foreignSenders: [string, () => unknown][] = [
    ['a missing frame (navigated away or destroyed)', () => eventFrom(null)],
    ['a frame on another origin', () => eventFrom(Object.assign(new fake.FakeFrame('https://evil.example/'), {}))],
    [
      'our main frame after it navigated to another origin',
      () => ((mainWindow.webContents.mainFrame.url = 'https://evil.example/'), fromMainFrame()),
    ],
    ['a look-alike origin', () => ((mainWindow.webContents.mainFrame.url = 'app://circle.evil/index.html'), fromMainFrame())],
    ['a file: page', () => ((mainWindow.webContents.mainFrame.url = 'file:///tmp/index.html'), fromMainFrame())],
    [
      'a subframe showing our own page',
      () => eventFrom(new fake.FakeFrame(APP_URL, mainWindow.webContents.mainFrame, mainWindow.webContents.mainFrame.processId)),
    ],
    [
      'the main frame of another window showing our page',
      () => {
        const other = new fake.BrowserWindow({});
        other.webContents.mainFrame.url = APP_URL;
        return eventFrom(other.webContents.mainFrame, other.webContents);
      },
    ],
    ['a frame claiming our window but not its main frame', () => eventFrom(new fake.FakeFrame(APP_URL, null, 999))],
  ];

  it.each(foreignSenders)('refuses %s with Forbidden, doing nothing', async (_what, makeEvent) => {
    const result = await call(channel, makeEvent(), ...VALID_ARGS[channel]);
    expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
    expect(effects()).toEqual([]);
  });

  it('refuses every call once the main window is closed', async () => {
    const event = fromMainFrame();
    mainWindow.close();
    expect(await call(channel, event, ...VALID_ARGS[channel])).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
  });

  it.each(BAD_ARGS[channel])('refuses the malformed arguments %j with BadRequest naming %s', async (args, field) => {
    const result = await call(channel, fromMainFrame(), ...args);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(ErrorCode.BadRequest);
    expect(result.error.message).toContain(channel);
    expect(result.error.message).toContain(field);
    expect(effects()).toEqual([]);
  });

  it('answers a well-formed call from our main frame with a Result', async () => {
    const result = await call(channel, fromMainFrame(), ...VALID_ARGS[channel]);
    expect(result.ok).toBe(true);
  });
});

describe('errors cross as data, never as stack traces', () => {
  it('an unexpected failure is a vague Internal error', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(settings, 'get').mockRejectedValue(new Error('boom in /home/member/secret/path'));
    const result = await call('settings:get', fromMainFrame());
    expect(result).toEqual({ ok: false, error: { code: ErrorCode.Internal, message: 'internal error' } });
    expect(JSON.stringify(result)).not.toMatch(/boom|secret|at /);
    expect(error.mock.calls.flat().join(' ')).not.toMatch(/boom|secret/);
  });

  it('file-system errors get a plain message and a fitting code, without the path', () => {
    const fsError = (code: string) => Object.assign(new Error(`${code}: open '/home/member/x'`), { code });
    expect(toIpcError(fsError('ENOENT'))).toEqual({ code: ErrorCode.NotFound, message: 'the file or folder does not exist' });
    expect(toIpcError(fsError('EACCES')).code).toBe(ErrorCode.Forbidden);
    expect(toIpcError(fsError('ENOSPC')).code).toBe(ErrorCode.Unavailable);
    expect(JSON.stringify(toIpcError(fsError('EACCES')))).not.toContain('/home');
    expect(toIpcError(null)).toEqual({ code: ErrorCode.Internal, message: 'internal error' });
  });
});

describe('identity:open', () => {
  it('returns null when the member cancels', async () => {
    expect(await call('identity:open', fromMainFrame())).toEqual({ ok: true, value: null });
    expect(fake.dialog.openCalls[0]!.window).toBe(mainWindow);
    expect(fake.dialog.openCalls[0]!.options).toMatchObject({ properties: ['openFile'], filters: [{ extensions: ['bin'] }] });
  });

  it('returns the name and bytes, remembers the path and opens the next dialog in its folder', async () => {
    const file = path.join(dir, 'ids', 'identity-07.bin');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file), { recursive: true }));
    await writeFile(file, new Uint8Array([0x43, 0x49, 0x52, 0x43]));
    fake.dialog.nextOpen = { canceled: false, filePaths: [file] };
    const result = await call<{ name: string; bytes: Uint8Array }>('identity:open', fromMainFrame());
    expect(result.ok && result.value.name).toBe('identity-07.bin');
    expect(result.ok && [...result.value.bytes]).toEqual([0x43, 0x49, 0x52, 0x43]);
    expect((await settings.get()).lastIdentityPath).toBe(await realpath(file));
    await call('identity:open', fromMainFrame());
    expect(fake.dialog.openCalls[1]!.options.defaultPath).toBe(path.dirname(await realpath(file)));
  });

  it('refuses a file larger than 64 KiB with a clear message, and does not remember it', async () => {
    const file = path.join(dir, 'movie.bin');
    await writeFile(file, new Uint8Array(MAX_IDENTITY_FILE_BYTES + 1));
    fake.dialog.nextOpen = { canceled: false, filePaths: [file] };
    const result = await call('identity:open', fromMainFrame());
    expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.IdentityMalformed } });
    expect(!result.ok && result.error.message).toMatch(/64 KiB/);
    expect((await settings.get()).lastIdentityPath).toBeUndefined();
  });

  it('accepts a file of exactly 64 KiB', async () => {
    const file = path.join(dir, 'big.bin');
    await writeFile(file, new Uint8Array(MAX_IDENTITY_FILE_BYTES).fill(7));
    fake.dialog.nextOpen = { canceled: false, filePaths: [file] };
    const result = await call<{ bytes: Uint8Array }>('identity:open', fromMainFrame());
    expect(result.ok && result.value.bytes.length).toBe(MAX_IDENTITY_FILE_BYTES);
  });
});

describe('identity:open-last', () => {
  it('is null when no identity was opened before', async () => {
    expect(await call('identity:open-last', fromMainFrame())).toEqual({ ok: true, value: null });
  });

  it('reads the file picked in the dialog while it exists, and is null once it is gone', async () => {
    const file = path.join(dir, 'identity-03.bin');
    await writeFile(file, new Uint8Array([9, 9]));
    fake.dialog.nextOpen = { canceled: false, filePaths: [file] };
    await call('identity:open', fromMainFrame());
    const result = await call<{ name: string; bytes: Uint8Array }>('identity:open-last', fromMainFrame());
    expect(result.ok && result.value.name).toBe('identity-03.bin');
    expect(result.ok && [...result.value.bytes]).toEqual([9, 9]);
    await unlink(file);
    expect(await call('identity:open-last', fromMainFrame())).toEqual({ ok: true, value: null });
  });

  it('remembers the real path when the member picked a symlink, and reopens that', async () => {
    const real = path.join(dir, 'real.bin');
    const link = path.join(dir, 'link.bin');
    await writeFile(real, new Uint8Array([5, 6, 7]));
    await symlink(real, link);
    fake.dialog.nextOpen = { canceled: false, filePaths: [link] };
    await call('identity:open', fromMainFrame());
    expect((await settings.get()).lastIdentityPath).toBe(await realpath(real));
    expect((await settings.get()).lastIdentitySize).toBe(3);
    const again = await call<{ bytes: Uint8Array }>('identity:open-last', fromMainFrame());
    expect(again.ok && [...again.value.bytes]).toEqual([5, 6, 7]);
  });
});

describe('file:save', () => {
  it('offers a sanitised name in the downloads folder and writes the bytes where the member chose', async () => {
    const target = path.join(dir, 'chosen.txt');
    fake.dialog.nextSave = { canceled: false, filePath: target };
    const result = await call('file:save', fromMainFrame(), { suggestedName: '../../.bashrc', bytes: new Uint8Array([104, 105]) });
    expect(result).toEqual({ ok: true, value: { saved: true } });
    expect(fake.dialog.saveCalls[0]!.options.defaultPath).toBe(path.join(dir, 'Downloads', 'bashrc'));
    expect(await readFile(target, 'utf8')).toBe('hi');
    expect(marked).toEqual([target]);
  });

  it('writes only the path the member chose in the save dialog, and nothing when they cancel', async () => {
    await mkdir(path.join(dir, 'Downloads'));
    for (const name of ['/etc/passwd', '../../.ssh/authorized_keys', '\\\\attacker.example\\share\\a', 'CON', '..']) {
      fake.dialog.nextSave = { canceled: true };
      expect(await call('file:save', fromMainFrame(), { suggestedName: name, bytes: new Uint8Array([0x41]) })).toEqual({
        ok: true,
        value: { saved: false },
      });
    }
    expect(await readdir(path.join(dir, 'Downloads'))).toEqual([]);
    for (const c of fake.dialog.saveCalls) expect(path.dirname(c.options.defaultPath as string)).toBe(path.join(dir, 'Downloads'));
    expect(marked).toEqual([]);
  });

  it('saves an executable only after the member confirms the warning, and marks it', async () => {
    const target = path.join(dir, 'setup.exe');
    fake.dialog.nextSave = { canceled: false, filePath: target };
    fake.dialog.messageBoxAnswers = [1];
    expect(await call('file:save', fromMainFrame(), { suggestedName: 'setup.exe', bytes: new Uint8Array([0x4d, 0x5a]) })).toEqual({
      ok: true,
      value: { saved: true },
    });
    expect(fake.dialog.messageBoxes[0]!.options.message).toContain('setup.exe');
    expect(fake.dialog.messageBoxes[0]!.options.defaultId).toBe(0);
    expect(marked).toEqual([target]);
  });

  it('does not keep a program it could not mark as downloaded; keeps other files', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    fake.resetFakeElectron();
    mainWindow = new fake.BrowserWindow({});
    await mainWindow.loadURL(APP_URL);
    registerIpcHandlers({
      getMainWindow: () => mainWindow as never,
      settings,
      getDownloadsDir: () => dir,
      markDownloaded: () => Promise.reject(Object.assign(new Error('no streams on FAT'), { code: 'EINVAL' })),
    });
    const program = path.join(dir, 'tool.exe');
    fake.dialog.nextSave = { canceled: false, filePath: program };
    fake.dialog.messageBoxAnswers = [1];
    const refused = await call('file:save', fromMainFrame(), { suggestedName: 'tool.exe', bytes: new Uint8Array([1]) });
    expect(refused).toMatchObject({ ok: false, error: { code: ErrorCode.Unavailable } });
    await expect(readFile(program)).rejects.toThrow();
    const photo = path.join(dir, 'photo.jpg');
    fake.dialog.nextSave = { canceled: false, filePath: photo };
    expect(await call('file:save', fromMainFrame(), { suggestedName: 'photo.jpg', bytes: new Uint8Array([1]) })).toEqual({
      ok: true,
      value: { saved: true },
    });
    expect([...(await readFile(photo))]).toEqual([1]);
  });

  it('reports saved: false when the member cancels', async () => {
    expect(await call('file:save', fromMainFrame(), { suggestedName: 'a.txt', bytes: new Uint8Array(1) })).toEqual({
      ok: true,
      value: { saved: false },
    });
  });
});

describe('settings:get and settings:update', () => {
  it('round-trip through the store', async () => {
    const updated = await call('settings:update', fromMainFrame(), { notifications: { showContent: true }, calls: { cameraId: 'c1' } });
    expect(updated).toMatchObject({
      ok: true,
      value: { notifications: { showContent: true }, calls: { relayOnly: true, cameraId: 'c1' } },
    });
    expect(await call('settings:get', fromMainFrame())).toEqual(updated);
    expect(fake.dialog.messageBoxes).toEqual([]);
  });

  it('turning relay-only calls back on needs no confirmation', async () => {
    fake.dialog.messageBoxAnswers = [1];
    await call('settings:update', fromMainFrame(), { calls: { relayOnly: false } });
    expect(await call('settings:update', fromMainFrame(), { calls: { relayOnly: true } })).toMatchObject({
      ok: true,
      value: { calls: { relayOnly: true } },
    });
    expect(fake.dialog.messageBoxes).toHaveLength(1);
  });
});

describe('notify', () => {
  it('shows an OS notification when supported and enabled', async () => {
    await call('notify', fromMainFrame(), { title: 'Ada', body: 'hello' });
    expect(fake.Notification.instances).toHaveLength(1);
    expect(fake.Notification.instances[0]!.options).toEqual({ title: 'Ada', body: 'hello' });
    expect(fake.Notification.instances[0]!.shown).toBe(true);
    fake.Notification.instances[0]!.emit('click');
    expect(mainWindow.focused).toBe(1);
  });

  it('does nothing (and succeeds) where notifications are unsupported or turned off', async () => {
    fake.Notification.supported = false;
    expect(await call('notify', fromMainFrame(), { title: 'Ada', body: 'hello' })).toEqual({ ok: true, value: null });
    fake.Notification.supported = true;
    await settings.update({ notifications: { enabled: false } });
    expect(await call('notify', fromMainFrame(), { title: 'Ada', body: 'hello' })).toEqual({ ok: true, value: null });
    expect(fake.Notification.instances).toHaveLength(0);
  });
});

describe('external:open', () => {
  it('hands https, http and mailto links to the OS', async () => {
    for (const url of ['https://example.org/x', 'http://example.org/', 'mailto:a@example.org']) {
      expect(await call('external:open', fromMainFrame(), url)).toEqual({ ok: true, value: null });
    }
    expect(fake.shell.opened).toEqual(['https://example.org/x', 'http://example.org/', 'mailto:a@example.org']);
  });

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x', 'app://circle/index.html', 'smb://host/share', 'not a url'])(
    'refuses %j with Forbidden',
    async (url) => {
      expect(await call('external:open', fromMainFrame(), url)).toMatchObject({ ok: false, error: { code: ErrorCode.Forbidden } });
      expect(fake.shell.opened).toEqual([]);
    },
  );
});
