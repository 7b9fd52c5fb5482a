/**
 * Session permissions: the only page that may ask for anything is our own (`app://circle`,
 * main frame). It may use the camera and microphone, capture the screen through main's picker,
 * show notifications and write sanitized text to the clipboard. Everything else
 * (geolocation, MIDI, USB, serial, HID, openExternal, ...) is denied, for every origin.
 */
import type { BrowserWindow, DisplayMediaRequestHandlerHandlerRequest, Session, Streams, WebContents } from 'electron';
import { APP_ORIGIN, originOf } from './origin.js';
import { chooseScreenSource, listScreenSources, type PickableSource } from './screen-picker.js';

type RequestHandler = NonNullable<Parameters<Session['setPermissionRequestHandler']>[0]>;
type CheckHandler = NonNullable<Parameters<Session['setPermissionCheckHandler']>[0]>;
export type Permission = Parameters<RequestHandler>[1];
type RequestDetails = Parameters<RequestHandler>[3];
type CheckDetails = Parameters<CheckHandler>[3];

/** Permissions our own page may hold; all others are refused without asking. */
export const GRANTED_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  'media',
  'display-capture',
  'notifications',
  'clipboard-sanitized-write',
]);
const MEDIA_TYPES: ReadonlySet<string> = new Set(['audio', 'video']);

interface PermissionAsk {
  permission: Permission;
  /** The requesting URL or origin: must be ours. */
  origin: string | undefined;
  /** Other origins the request may name (security origin, page URL): each one present must be ours too. */
  alsoNamed: (string | null | undefined)[];
  isMainFrame: boolean;
  /** For `media`: what is being asked for (camera = video, microphone = audio). */
  mediaTypes: readonly string[] | undefined;
}

export function isPermissionAllowed(ask: PermissionAsk): boolean {
  if (!GRANTED_PERMISSIONS.has(ask.permission)) return false;
  if (!ask.isMainFrame) return false;
  if (originOf(ask.origin) !== APP_ORIGIN) return false;
  const named = ask.alsoNamed.filter((o): o is string => typeof o === 'string' && o !== '');
  if (!named.every((o) => originOf(o) === APP_ORIGIN)) return false;
  if (ask.permission === 'media') {
    const types = ask.mediaTypes ?? [];
    return types.length > 0 && types.every((t) => MEDIA_TYPES.has(t));
  }
  return true;
}

const pageUrl = (webContents: WebContents | null): string | undefined => {
  if (!webContents || webContents.isDestroyed()) return undefined;
  return webContents.getURL();
};

export const handlePermissionRequest: RequestHandler = (webContents, permission, callback, details: RequestDetails) => {
  const media = details as { mediaTypes?: string[]; securityOrigin?: string };
  callback(
    isPermissionAllowed({
      permission,
      origin: details.requestingUrl,
      alsoNamed: [media.securityOrigin, pageUrl(webContents)],
      isMainFrame: details.isMainFrame,
      mediaTypes: media.mediaTypes,
    }),
  );
};

export const handlePermissionCheck: CheckHandler = (webContents, permission, requestingOrigin, details: CheckDetails) =>
  isPermissionAllowed({
    permission,
    origin: requestingOrigin,
    alsoNamed: [details.securityOrigin, details.requestingUrl, pageUrl(webContents)],
    isMainFrame: details.isMainFrame,
    mediaTypes: details.mediaType === undefined ? undefined : [details.mediaType],
  });

export interface DisplayMediaDeps {
  getMainWindow: () => BrowserWindow | null;
  listSources: () => Promise<PickableSource[]>;
  choose: (win: BrowserWindow, sources: readonly PickableSource[]) => Promise<PickableSource | null>;
  platform?: NodeJS.Platform;
}

/** Whether `frame` is the main frame of our main window, showing our page. */
function isOurMainFrame(frame: DisplayMediaRequestHandlerHandlerRequest['frame'], win: BrowserWindow | null): boolean {
  if (!frame || !win || win.isDestroyed()) return false;
  if (frame.parent !== null || originOf(frame.url) !== APP_ORIGIN) return false;
  const top = win.webContents.mainFrame;
  return frame === top || (frame.processId === top.processId && frame.routingId === top.routingId);
}

/**
 * `getDisplayMedia()` from our main window's main frame, during a user gesture, gets the source
 * the member picks in main's own dialog for this request (screen-picker.ts); anything else, a
 * request whose frame is gone (`null`) included, gets nothing and lists nothing.
 */
export function createDisplayMediaHandler(
  deps: DisplayMediaDeps,
): (request: DisplayMediaRequestHandlerHandlerRequest, callback: (streams: Streams | null) => void) => void {
  const platform = deps.platform ?? process.platform;
  let asking = false;
  return (request, callback) => {
    const win = deps.getMainWindow();
    const allowed =
      !asking &&
      request.userGesture === true &&
      request.videoRequested &&
      originOf(request.securityOrigin) === APP_ORIGIN &&
      isOurMainFrame(request.frame, win);
    if (!allowed || !win) {
      callback(null);
      return;
    }
    asking = true;
    const answer = (streams: Streams | null) => {
      asking = false;
      callback(streams);
    };
    deps
      .listSources()
      .then((sources) => deps.choose(win, sources))
      .then((source) => {
        if (!source || win.isDestroyed()) return answer(null);
        const streams: Streams = { video: { id: source.id, name: source.name } };
        // System audio capture exists only on Windows (loopback); elsewhere the share is video only.
        if (request.audioRequested && platform === 'win32') streams.audio = 'loopback';
        answer(streams);
      })
      .catch(() => answer(null));
  };
}

export function installPermissionHandlers(session: Session, getMainWindow: () => BrowserWindow | null): void {
  session.setPermissionRequestHandler(handlePermissionRequest);
  session.setPermissionCheckHandler(handlePermissionCheck);
  // No HID, USB or serial device is ever granted, whatever a page asks.
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler(
    createDisplayMediaHandler({ getMainWindow, listSources: listScreenSources, choose: chooseScreenSource }),
    { useSystemPicker: false },
  );
}
