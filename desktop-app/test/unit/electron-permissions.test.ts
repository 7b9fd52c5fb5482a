import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

const { handlePermissionRequest, handlePermissionCheck, createDisplayMediaHandler, installPermissionHandlers, GRANTED_PERMISSIONS } =
  await import('../../src/main/permissions.js');
const { chooseScreenSource, sourceLabel, MAX_CHOICES } = await import('../../src/main/screen-picker.js');

type Permission = Parameters<typeof handlePermissionRequest>[1];

const OURS = 'app://circle/index.html';
const DENIED: Permission[] = [
  'geolocation',
  'geolocation-approximate',
  'midi',
  'midiSysex',
  'usb',
  'serial',
  'hid',
  'openExternal',
  'clipboard-read',
  'fullscreen',
  'pointerLock',
  'keyboardLock',
  'fileSystem',
  'idle-detection',
  'window-management',
  'local-fonts',
  'storage-access',
  'top-level-storage-access',
  'speaker-selection',
  'mediaKeySystem',
  'persistent-storage',
  'background-sync',
  'sensors',
  'nfc',
  'unknown',
];

/** A page's web contents, showing `url`. */
function page(url: string) {
  const contents = new fake.FakeWebContents();
  contents.mainFrame.url = url;
  return contents as never;
}

function request(permission: Permission, details: Record<string, unknown>, pageUrl = OURS): boolean {
  let granted: boolean | undefined;
  handlePermissionRequest(page(pageUrl), permission, (g) => (granted = g), { isMainFrame: true, requestingUrl: OURS, ...details });
  if (granted === undefined) throw new Error('the handler never answered');
  return granted;
}

function check(permission: Permission, origin: string, details: Record<string, unknown> = {}, pageUrl: string | null = OURS): boolean {
  return handlePermissionCheck(pageUrl === null ? null : page(pageUrl), permission, origin, { isMainFrame: true, ...details });
}

beforeEach(() => fake.resetFakeElectron());

describe('permission requests', () => {
  it('grant camera and microphone to our own page', () => {
    expect(request('media', { mediaTypes: ['audio'], securityOrigin: 'app://circle' })).toBe(true);
    expect(request('media', { mediaTypes: ['video'] })).toBe(true);
    expect(request('media', { mediaTypes: ['audio', 'video'] })).toBe(true);
  });

  it('refuse media with no media types or unknown ones', () => {
    expect(request('media', {})).toBe(false);
    expect(request('media', { mediaTypes: [] })).toBe(false);
    expect(request('media', { mediaTypes: ['audio', 'screen'] })).toBe(false);
  });

  it('grant display capture, notifications and sanitized clipboard writes to our own page only', () => {
    for (const permission of ['display-capture', 'notifications', 'clipboard-sanitized-write'] as Permission[]) {
      expect(request(permission, { mediaTypes: ['video'] }), permission).toBe(true);
      expect(request(permission, { requestingUrl: 'https://evil.example/' }), permission).toBe(false);
    }
  });

  it.each([
    'https://evil.example/',
    'http://localhost:3000/',
    'file:///tmp/x.html',
    'app://other/',
    'app://circle.evil/',
    'data:text/html,x',
    '',
  ])('refuse media to %j', (url) => {
    expect(request('media', { mediaTypes: ['audio'], requestingUrl: url, securityOrigin: url })).toBe(false);
  });

  it('refuse when any origin involved is foreign (security origin, page URL) or the frame is not the top one', () => {
    expect(request('media', { mediaTypes: ['audio'], securityOrigin: 'https://evil.example' })).toBe(false);
    expect(request('media', { mediaTypes: ['audio'] }, 'https://evil.example/')).toBe(false);
    expect(request('media', { mediaTypes: ['audio'], isMainFrame: false })).toBe(false);
  });

  it.each(DENIED)('deny %s even to our own page', (permission) => {
    expect(request(permission, { mediaTypes: ['audio', 'video'] })).toBe(false);
  });

  it('grant nothing beyond the four listed permissions', () => {
    expect([...GRANTED_PERMISSIONS].sort()).toEqual(['clipboard-sanitized-write', 'display-capture', 'media', 'notifications']);
  });
});

describe('permission checks', () => {
  it('answer yes for media (audio or video) from our origin, with or without a trailing slash', () => {
    expect(check('media', 'app://circle', { mediaType: 'audio', securityOrigin: 'app://circle/' })).toBe(true);
    expect(check('media', 'app://circle/', { mediaType: 'video' })).toBe(true);
  });

  it('answer no for media of unknown type or none', () => {
    expect(check('media', 'app://circle', { mediaType: 'unknown' })).toBe(false);
    expect(check('media', 'app://circle', {})).toBe(false);
  });

  it('answer no for other origins, foreign pages and subframes', () => {
    expect(check('media', 'https://evil.example', { mediaType: 'audio' })).toBe(false);
    expect(check('notifications', 'https://evil.example')).toBe(false);
    expect(check('notifications', 'app://circle', {}, 'https://evil.example/')).toBe(false);
    expect(check('notifications', 'app://circle', { isMainFrame: false })).toBe(false);
    expect(check('notifications', 'app://circle', { securityOrigin: 'https://evil.example' })).toBe(false);
  });

  it('answer yes for notifications checked without a web contents, from our origin only', () => {
    expect(check('notifications', 'app://circle', {}, null)).toBe(true);
    expect(check('notifications', 'https://evil.example', {}, null)).toBe(false);
  });

  it.each(DENIED)('answer no for %s', (permission) => {
    expect(check(permission, 'app://circle', { mediaType: 'audio' })).toBe(false);
  });
});

describe('display media (screen sharing)', () => {
  const SOURCES = [
    { id: 'screen:1:0', name: 'Entire screen' },
    { id: 'window:42:0', name: 'Notes' },
  ];
  let win: fake.BrowserWindow;
  let listed: number;
  let asked: (readonly { id: string; name: string }[])[];
  beforeEach(() => {
    fake.resetFakeElectron();
    win = new fake.BrowserWindow({});
    win.webContents.mainFrame.url = OURS;
    listed = 0;
    asked = [];
  });
  const ourRequest = (over: Record<string, unknown> = {}) => ({
    frame: win.webContents.mainFrame,
    securityOrigin: 'app://circle',
    videoRequested: true,
    audioRequested: false,
    userGesture: true,
    ...over,
  });
  /** A handler whose member picks `pick` (an index into the sources, or null to cancel). */
  const handlerPicking = (pick: number | null, platform: NodeJS.Platform = 'linux') =>
    createDisplayMediaHandler({
      getMainWindow: () => win as never,
      listSources: () => ((listed += 1), Promise.resolve(SOURCES)),
      choose: (_w, sources) => (asked.push(sources), Promise.resolve(pick === null ? null : sources[pick]!)),
      platform,
    });
  const ask = (handler: ReturnType<typeof createDisplayMediaHandler>, req: Record<string, unknown>) =>
    new Promise<unknown>((resolve) => handler(req as never, resolve));

  it('gets exactly the source the member picks for this request, and asks again for the next', async () => {
    const handler = handlerPicking(1);
    expect(await ask(handler, ourRequest())).toEqual({ video: { id: 'window:42:0', name: 'Notes' } });
    expect(await ask(handler, ourRequest())).toEqual({ video: { id: 'window:42:0', name: 'Notes' } });
    expect(asked).toHaveLength(2);
  });

  it('is denied when the member cancels', async () => {
    expect(await ask(handlerPicking(null), ourRequest())).toBeNull();
  });

  it('adds system audio only on Windows, where loopback exists', async () => {
    expect(await ask(handlerPicking(0, 'win32'), ourRequest({ audioRequested: true }))).toEqual({
      video: { id: 'screen:1:0', name: 'Entire screen' },
      audio: 'loopback',
    });
    expect(await ask(handlerPicking(0, 'darwin'), ourRequest({ audioRequested: true }))).toEqual({
      video: { id: 'screen:1:0', name: 'Entire screen' },
    });
  });

  it.each([
    ['another origin', { securityOrigin: 'https://evil.example' }],
    ['a subframe', { frame: new fake.FakeFrame(OURS, new fake.FakeFrame(OURS)) }],
    ['a frame that is gone (null)', { frame: null }],
    ['a frame of another window showing our page', { frame: new fake.FakeFrame(OURS) }],
    ['a request without a user gesture', { userGesture: false }],
    ['an audio-only request', { videoRequested: false }],
  ])('is denied to %s without listing anything or asking', async (_what, over) => {
    expect(await ask(handlerPicking(0), ourRequest(over))).toBeNull();
    expect(listed).toBe(0);
    expect(asked).toEqual([]);
  });

  it('is denied once the window closed while the member was choosing', async () => {
    const handler = createDisplayMediaHandler({
      getMainWindow: () => win as never,
      listSources: () => Promise.resolve(SOURCES),
      choose: (_w, sources) => (win.close(), Promise.resolve(sources[0]!)),
    });
    expect(await ask(handler, ourRequest())).toBeNull();
  });

  it('a second request while the picker is open is denied (one pick, one capture)', async () => {
    let answer: (s: { id: string; name: string }) => void = () => undefined;
    const handler = createDisplayMediaHandler({
      getMainWindow: () => win as never,
      listSources: () => Promise.resolve(SOURCES),
      choose: () => new Promise((resolve) => (answer = resolve)),
    });
    const first = ask(handler, ourRequest());
    expect(await ask(handler, ourRequest())).toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    answer(SOURCES[0]!);
    expect(await first).toEqual({ video: SOURCES[0] });
  });

  it('main’s picker is a native dialog on the window: one button per source, then Cancel as the default', async () => {
    fake.dialog.messageBoxAnswers = [1];
    expect(await chooseScreenSource(win as never, SOURCES)).toEqual(SOURCES[1]);
    const box = fake.dialog.messageBoxes[0]!;
    expect(box.window).toBe(win);
    expect(box.options.buttons).toEqual(['Entire screen', 'Notes', 'Cancel']);
    expect(box.options.cancelId).toBe(2);
    expect(box.options.defaultId).toBe(2);
    expect(await chooseScreenSource(win as never, SOURCES)).toBeNull();
  });

  it('offers at most MAX_CHOICES sources, with labels cleaned of controls and bidi overrides', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `window:${i}:0`, name: `w${i}` }));
    await chooseScreenSource(win as never, many);
    expect(fake.dialog.messageBoxes[0]!.options.buttons).toHaveLength(MAX_CHOICES + 1);
    expect(sourceLabel('Bank\u202Egnp.exe\n')).toBe('Bankgnp.exe');
    expect(sourceLabel('x'.repeat(100))).toHaveLength(60);
    expect(sourceLabel('\u200b')).toBe('Untitled window');
  });
});

describe('installPermissionHandlers', () => {
  it('sets request, check, device and display-media handlers on the session; devices are never granted', () => {
    const ses = new fake.FakeSession();
    installPermissionHandlers(ses as never, () => null);
    expect(ses.permissionRequestHandler).toBe(handlePermissionRequest);
    expect(ses.permissionCheckHandler).toBe(handlePermissionCheck);
    expect(ses.displayMediaRequestHandler).toBeTypeOf('function');
    expect(ses.displayMediaOptions).toEqual({ useSystemPicker: false });
    expect(ses.devicePermissionHandler!({ deviceType: 'hid', origin: 'app://circle' })).toBe(false);
  });
});
