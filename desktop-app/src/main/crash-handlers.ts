/**
 * What happens when a part of Chromium dies or hangs, so the member never faces a blank or
 * frozen window without a word:
 *  - the window's renderer is gone (crashed, killed, out of memory): reload Circle's page and say
 *    so (the identity file must be opened again: keys lived only in that renderer's memory); after
 *    MAX_RELOADS in RELOAD_WINDOW_MS, stop reloading and say that instead;
 *  - the window stops responding: ask whether to wait or reload;
 *  - another child process is gone (GPU, network or audio service): Chromium restarts those
 *    itself; log the type and reason, nothing about the member.
 */
import type { App, BrowserWindow, MessageBoxOptions, RenderProcessGoneDetails } from 'electron';
import { APP_INDEX_URL } from './origin.js';

export const MAX_RELOADS = 3;
export const RELOAD_WINDOW_MS = 60_000;

export interface CrashDeps {
  showMessage: (win: BrowserWindow, options: MessageBoxOptions) => Promise<{ response: number }>;
  now: () => number;
}

/** Crash and hang handling for one window. */
export function watchWindow(win: BrowserWindow, deps: CrashDeps): void {
  const reloads: number[] = [];
  let asking = false;
  /** Set while we end a hung renderer ourselves: the reload is ours, not a crash to report. */
  let restarting = false;

  win.webContents.on('render-process-gone', (_event, details: RenderProcessGoneDetails) => {
    if (details.reason === 'clean-exit' || win.isDestroyed()) return;
    if (restarting) {
      restarting = false;
      return;
    }
    console.error(`circle: the window's renderer is gone: ${details.reason}`);
    const now = deps.now();
    while (reloads.length > 0 && now - reloads[0]! > RELOAD_WINDOW_MS) reloads.shift();
    if (reloads.length >= MAX_RELOADS) {
      void deps.showMessage(win, {
        type: 'error',
        message: 'Circle keeps stopping',
        detail: `Its window stopped ${MAX_RELOADS + 1} times within a minute (${details.reason}). Quit Circle and start it again.`,
        buttons: ['OK'],
      });
      return;
    }
    reloads.push(now);
    win.loadURL(APP_INDEX_URL).catch(() => undefined);
    void deps.showMessage(win, {
      type: 'warning',
      message: 'Circle’s window stopped and was reloaded',
      detail: `Reason: ${details.reason}. Open your identity file again to continue; nothing you sent was lost.`,
      buttons: ['OK'],
    });
  });

  win.on('unresponsive', () => {
    if (asking || win.isDestroyed()) return;
    asking = true;
    deps
      .showMessage(win, {
        type: 'warning',
        message: 'Circle is not responding',
        detail: 'You can wait for it, or reload its window (you will need to open your identity file again).',
        buttons: ['Wait', 'Reload'],
        defaultId: 0,
        cancelId: 0,
      })
      .then(({ response }) => {
        asking = false;
        if (response !== 1 || win.isDestroyed()) return;
        // A hung renderer cannot run a reload: end it first (Electron's advice), then reload.
        restarting = true;
        win.webContents.forcefullyCrashRenderer();
        win.webContents.reload();
      })
      .catch(() => (asking = false));
  });
}

/** Logs child processes (GPU, utility services) that end abnormally. Call once. */
export function watchChildProcesses(app: App): void {
  app.on('child-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return;
    console.error(`circle: a ${details.type} process is gone: ${details.reason}`);
  });
}
