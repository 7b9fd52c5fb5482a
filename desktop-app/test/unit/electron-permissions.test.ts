import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as fake from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js'));

const { handlePermissionRequest, handlePermissionCheck, createDisplayMediaHandler, installPermissionHandlers, GRANTED_PERMISSIONS } =
  await import('../../src/main/permissions.js');
const { ScreenPicker } = await import('../../src/main/screen-picker.js');

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
  const ourRequest = (over: Record<string, unknown> = {}) => ({
    frame: new fake.FakeFrame(OURS),
    securityOrigin: 'app://circle',
    videoRequested: true,
    audioRequested: false,
    userGesture: true,
    ...over,
  });
  const ask = (handler: ReturnType<typeof createDisplayMediaHandler>, req: Record<string, unknown>) => {
    let answer: unknown = 'never answered';
    handler(req as never, (streams) => (answer = streams));
    return answer;
  };
  const pickerWith = (id = 'screen:1:0') => {
    const picker = new ScreenPicker();
    picker.setListed([
      { id: 'screen:1:0', name: 'Entire screen' },
      { id: 'window:42:0', name: 'Notes' },
    ]);
    picker.select(id);
    return picker;
  };

  it('is denied when the member selected nothing', () => {
    const picker = new ScreenPicker();
    picker.setListed([{ id: 'screen:1:0', name: 'Entire screen' }]);
    expect(ask(createDisplayMediaHandler(picker), ourRequest())).toBeNull();
  });

  it('gets exactly the selected source, once', () => {
    const handler = createDisplayMediaHandler(pickerWith('window:42:0'), 'linux');
    expect(ask(handler, ourRequest())).toEqual({ video: { id: 'window:42:0', name: 'Notes' } });
    expect(ask(handler, ourRequest())).toBeNull();
  });

  it('adds system audio only on Windows, where loopback exists', () => {
    expect(ask(createDisplayMediaHandler(pickerWith(), 'win32'), ourRequest({ audioRequested: true }))).toEqual({
      video: { id: 'screen:1:0', name: 'Entire screen' },
      audio: 'loopback',
    });
    expect(ask(createDisplayMediaHandler(pickerWith(), 'darwin'), ourRequest({ audioRequested: true }))).toEqual({
      video: { id: 'screen:1:0', name: 'Entire screen' },
    });
  });

  it('is denied to other origins and subframes, without using up the selection', () => {
    const picker = pickerWith();
    const handler = createDisplayMediaHandler(picker, 'linux');
    expect(ask(handler, ourRequest({ securityOrigin: 'https://evil.example' }))).toBeNull();
    expect(ask(handler, ourRequest({ frame: new fake.FakeFrame(OURS, new fake.FakeFrame(OURS)) }))).toBeNull();
    expect(ask(handler, ourRequest())).toEqual({ video: { id: 'screen:1:0', name: 'Entire screen' } });
  });

  it('selecting an id that was not listed fails and grants nothing', () => {
    const picker = new ScreenPicker();
    picker.setListed([{ id: 'screen:1:0', name: 'Entire screen' }]);
    expect(picker.select('screen:9:0')).toBe(false);
    expect(ask(createDisplayMediaHandler(picker), ourRequest())).toBeNull();
  });

  it('listing sources again forgets an earlier selection', () => {
    const picker = pickerWith();
    picker.setListed([{ id: 'screen:1:0', name: 'Entire screen' }]);
    expect(ask(createDisplayMediaHandler(picker), ourRequest())).toBeNull();
  });
});

describe('installPermissionHandlers', () => {
  it('sets request, check, device and display-media handlers on the session; devices are never granted', () => {
    const ses = new fake.FakeSession();
    installPermissionHandlers(ses as never, new ScreenPicker());
    expect(ses.permissionRequestHandler).toBe(handlePermissionRequest);
    expect(ses.permissionCheckHandler).toBe(handlePermissionCheck);
    expect(ses.displayMediaRequestHandler).toBeTypeOf('function');
    expect(ses.displayMediaOptions).toEqual({ useSystemPicker: false });
    expect(ses.devicePermissionHandler!({ deviceType: 'hid', origin: 'app://circle' })).toBe(false);
  });
});
