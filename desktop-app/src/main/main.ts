/**
 * Composition root of the Electron main process. Order matters:
 *  before ready: sandbox every renderer, claim the single-instance lock, register the `app`
 *  scheme's privileges, harden every web contents that will ever exist;
 *  when ready: serve the renderer folder on `app://circle`, set the session's permission
 *  handlers, register the IPC handlers, open the window.
 * Anchor: element-desktop `src/electron-main.ts`.
 */
import path from 'node:path';
import { app, BrowserWindow, protocol, session } from 'electron';
import { createAppProtocolHandler, registerAppScheme } from './app-protocol.js';
import { registerIpcHandlers } from './ipc.js';
import { APP_SCHEME } from './origin.js';
import { installPermissionHandlers } from './permissions.js';
import { ScreenPicker } from './screen-picker.js';
import { SettingsStore } from './settings.js';
import { createMainWindow, installWebContentsHardening } from './window.js';

/** Built files, relative to the app root (the folder holding package.json, or app.asar when packaged). */
export const BUILD_LAYOUT = { preload: 'dist/preload.cjs', renderer: 'dist/renderer' } as const;

export function main(): void {
  app.enableSandbox();

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  registerAppScheme();
  installWebContentsHardening();

  const appRoot = app.getAppPath();
  const preloadPath = path.join(appRoot, BUILD_LAYOUT.preload);
  const rendererDir = path.join(appRoot, BUILD_LAYOUT.renderer);
  const picker = new ScreenPicker();
  let mainWindow: BrowserWindow | null = null;

  const openMainWindow = (): BrowserWindow => {
    const win = createMainWindow({ preloadPath });
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = null;
    });
    mainWindow = win;
    return win;
  };

  app.on('second-instance', () => {
    const win = mainWindow;
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  // macOS apps stay running with no window until the member quits; elsewhere closing the window quits.
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openMainWindow();
  });

  app
    .whenReady()
    .then(() => {
      protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
      installPermissionHandlers(session.defaultSession, picker);
      registerIpcHandlers({
        getMainWindow: () => mainWindow,
        settings: new SettingsStore(app.getPath('userData')),
        picker,
        getDownloadsDir: () => app.getPath('downloads'),
      });
      openMainWindow();
    })
    .catch((err: unknown) => {
      console.error('circle: could not start:', (err as Error).message);
      app.exit(1);
    });
}

main();
