/**
 * Windows and what every web contents may do. Each window is sandboxed and context-isolated
 * with a preload as its only bridge; every web contents (also any created later) may not
 * navigate away from `app://circle`, may not open windows (links go to the OS browser when
 * their scheme is allowlisted) and may not attach a <webview>.
 * Anchors: element-desktop `src/webcontents-handler.ts`; Electron's security checklist.
 */
import { app, BrowserWindow, shell, type WebContents, type WebPreferences } from 'electron';
import { externalHref } from '../shared/links.js';
import { APP_INDEX_URL, isAppUrl } from './origin.js';

export { externalHref };

/** The web preferences of every window, minus the preload path (known only at runtime). */
export const SECURE_WEB_PREFERENCES = Object.freeze({
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
} as const satisfies WebPreferences);

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return { ...SECURE_WEB_PREFERENCES, preload: preloadPath };
}

export function hardenWebContents(contents: WebContents): void {
  const stayHome = (event: { preventDefault(): void; url: string }): void => {
    if (!isAppUrl(event.url)) event.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-frame-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const href = externalHref(url);
    if (href) shell.openExternal(href).catch(() => undefined);
    return { action: 'deny' };
  });
}

/** Applies `hardenWebContents` to every web contents the app ever creates. Call once, before any window. */
export function installWebContentsHardening(): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}

export interface MainWindowOptions {
  preloadPath: string;
  url?: string;
}

export function createMainWindow({ preloadPath, url = APP_INDEX_URL }: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Circle',
    backgroundColor: '#111418',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  win.loadURL(url).catch((err: unknown) => console.error('circle: the app page did not load:', (err as Error).message));
  return win;
}
