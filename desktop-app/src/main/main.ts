/**
 * Composition root of the Electron main process. Order matters:
 *  before ready: sandbox every renderer, claim the single-instance lock, register the `app`
 *  scheme's privileges, harden every web contents that will ever exist;
 *  when ready: serve the renderer folder on `app://circle`, set the session's permission
 *  handlers, register the IPC handlers, open the window.
 * Anchor: element-desktop `src/electron-main.ts`.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, protocol, session } from 'electron';
import type { Settings } from '../shared/settings.js';
import { createAppProtocolHandler, registerAppScheme } from './app-protocol.js';
import { buildAgeNotice, bundleBuiltAt } from './build-age.js';
import { watchChildProcesses, watchWindow } from './crash-handlers.js';
import { ownWindowTitle, windowTitle } from './downgrades.js';
import { registerIpcHandlers } from './ipc.js';
import { APP_SCHEME } from './origin.js';
import { installPermissionHandlers } from './permissions.js';
import { NO_SANDBOX_TITLE, noSandboxMessage, sandboxOffSwitch } from './sandbox-guard.js';
import { SettingsStore } from './settings.js';
import { createMainWindow, installWebContentsHardening } from './window.js';

/** Built files, relative to the app root (the folder holding package.json, or app.asar when packaged). */
export const BUILD_LAYOUT = { preload: 'dist/preload.cjs', renderer: 'dist/renderer' } as const;

/** Windows ties notifications and taskbar grouping to this id; it must match the installer's appId. */
export const APP_USER_MODEL_ID = 'org.circle.messenger';

export function main(): void {
  app.enableSandbox();

  const unsandboxed = sandboxOffSwitch(app.commandLine);
  if (unsandboxed) {
    console.error(`circle: refusing to start with --${unsandboxed}`);
    dialog.showErrorBox(NO_SANDBOX_TITLE, noSandboxMessage(unsandboxed));
    app.exit(1);
    return;
  }

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  registerAppScheme();
  installWebContentsHardening();
  watchChildProcesses(app);

  const appRoot = app.getAppPath();
  const preloadPath = path.join(appRoot, BUILD_LAYOUT.preload);
  const rendererDir = path.join(appRoot, BUILD_LAYOUT.renderer);
  let mainWindow: BrowserWindow | null = null;
  let settings: SettingsStore | null = null;
  /** The settings as last read or written, for the window title. */
  let knownSettings: Settings | null = null;

  const showSettings = (next: Settings): void => {
    knownSettings = next;
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.setTitle(windowTitle(next));
  };

  const openMainWindow = (): BrowserWindow => {
    const win = createMainWindow({ preloadPath });
    ownWindowTitle(win, knownSettings);
    watchWindow(win, {
      showMessage: (w, options) => dialog.showMessageBox(w, options),
      now: Date.now,
    });
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
      installPermissionHandlers(session.defaultSession, () => mainWindow);
      settings = new SettingsStore(app.getPath('userData'));
      registerIpcHandlers({
        getMainWindow: () => mainWindow,
        settings,
        getDownloadsDir: () => app.getPath('downloads'),
        onSettingsChanged: showSettings,
      });
      const win = openMainWindow();
      const ageNotice = buildAgeNotice(bundleBuiltAt(), new Date());
      if (ageNotice) void dialog.showMessageBox(win, ageNotice);
      // The title shows a downgrade from the first moment: settings are read before the page can ask.
      return settings.get().then(showSettings);
    })
    .catch((err: unknown) => {
      console.error('circle: could not start:', (err as Error).message);
      app.exit(1);
    });
}

main();
