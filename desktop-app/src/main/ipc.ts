/**
 * One `ipcMain.handle` per bridge channel. Each call is checked in the same order:
 *  1. the sender is the main frame of our main window, showing `app://circle` (else Forbidden);
 *  2. the arguments parse with the channel's schema (else BadRequest naming the field);
 *  3. the handler runs; its value comes back as `ok(value)`, anything thrown as `{ ok: false, error }`
 *     with a code and a message a person can act on, never a stack trace.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  dialog,
  ipcMain,
  Notification,
  shell,
  type BrowserWindow,
  type IpcMainInvokeEvent,
  type MessageBoxOptions,
  type OpenDialogOptions,
  type SaveDialogOptions,
} from 'electron';
import type { z } from 'zod';
import { CircleError, ErrorCode, fail, ok, type ErrorInfo, type Result } from '@circle/protocol';
import { ChannelArgs, CHANNELS, type Channel, type ChannelResults } from '../shared/bridge.js';
import type { Settings } from '../shared/settings.js';
import { externalHref } from '../shared/links.js';
import { markDownloaded } from './download-marking.js';
import { vetSecurityDowngrades } from './downgrades.js';
import { executableExtension, sanitizeFileName } from './files.js';
import { readPickedIdentityFile, reopenIdentityFile } from './identity-file.js';
import { notificationBody } from './notification-text.js';
import { isAppUrl } from './origin.js';
import type { SettingsStore } from './settings.js';

export interface IpcDeps {
  getMainWindow: () => BrowserWindow | null;
  settings: SettingsStore;
  /** Folder the save dialog starts in. */
  getDownloadsDir: () => string;
  /** Told after every settings change (main shows downgrades in the window title). */
  onSettingsChanged?: (settings: Settings) => void;
  /** Marks a saved file as downloaded (Mark-of-the-Web, quarantine); tests replace it. */
  markDownloaded?: (file: string) => Promise<void>;
}

type Args<C extends Channel> = z.output<(typeof ChannelArgs)[C]>;
type Handlers = { [C in Channel]: (args: Args<C>) => Promise<ChannelResults[C]> };

/** Why `event` may not use the bridge, or null when it comes from our main window's main frame. */
export function senderRefusal(event: IpcMainInvokeEvent, mainWindow: BrowserWindow | null): string | null {
  try {
    const frame = event.senderFrame;
    if (!frame) return 'the calling frame is gone';
    if (!isAppUrl(frame.url)) return 'only the Circle app page may call this';
    if (frame.parent !== null) return 'only the top frame may call this';
    if (!mainWindow || mainWindow.isDestroyed()) return 'Circle has no main window';
    const contents = mainWindow.webContents;
    if (event.sender !== contents && event.sender.id !== contents.id) return 'only the main window may call this';
    const top = contents.mainFrame;
    const isTop = frame === top || (frame.processId === top.processId && frame.routingId === top.routingId);
    return isTop ? null : 'only the main window may call this';
  } catch {
    return 'the calling frame could not be checked';
  }
}

/** "file:save: args[0].suggestedName: Too small: ..." so the caller knows which field was wrong. */
export function describeBadArgs(channel: Channel, issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 3).map((issue) => {
    const [index, ...rest] = issue.path;
    const field = index === undefined ? 'arguments' : [`args[${String(index)}]`, ...rest.map(String)].join('.');
    return `${field}: ${issue.message}`;
  });
  return `${channel}: ${parts.join('; ')}`;
}

/** Turns a thrown value into error data: CircleErrors keep their message; file-system errors get a plain one; the rest is vague. */
export function toIpcError(err: unknown): ErrorInfo {
  if (err instanceof CircleError) return err.toInfo();
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'ENOENT':
      return { code: ErrorCode.NotFound, message: 'the file or folder does not exist' };
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return { code: ErrorCode.Forbidden, message: 'the system refused access to that file' };
    case 'EISDIR':
      return { code: ErrorCode.BadRequest, message: 'that is a folder, not a file' };
    case 'ENOSPC':
      return { code: ErrorCode.Unavailable, message: 'the disk is full' };
    default:
      return { code: ErrorCode.Internal, message: 'internal error' };
  }
}

export async function dispatch<C extends Channel>(
  channel: C,
  handler: (args: Args<C>) => Promise<ChannelResults[C]>,
  event: IpcMainInvokeEvent,
  rawArgs: unknown[],
  getMainWindow: () => BrowserWindow | null,
): Promise<Result<ChannelResults[C]>> {
  const refusal = senderRefusal(event, getMainWindow());
  if (refusal) return fail(ErrorCode.Forbidden, `${channel}: ${refusal}`);
  const parsed = ChannelArgs[channel].safeParse(rawArgs);
  if (!parsed.success) return fail(ErrorCode.BadRequest, describeBadArgs(channel, parsed.error.issues));
  try {
    return ok(await handler(parsed.data as Args<C>));
  } catch (err) {
    const error = toIpcError(err);
    // For the operator: the channel and code only, never arguments, paths or file contents.
    console.error(`circle: ${channel} failed: ${error.code}`);
    return { ok: false, error };
  }
}

export function createHandlers(deps: IpcDeps): Handlers {
  const parentWindow = () => {
    const win = deps.getMainWindow();
    return win && !win.isDestroyed() ? win : null;
  };
  const showOpen = (options: OpenDialogOptions) => {
    const win = parentWindow();
    return win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options);
  };
  const showSave = (options: SaveDialogOptions) => {
    const win = parentWindow();
    return win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options);
  };
  const ask = (win: BrowserWindow | null, options: MessageBoxOptions) =>
    win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options);
  const mark = deps.markDownloaded ?? ((file: string) => markDownloaded(file));
  const changed = (settings: Settings) => {
    deps.onSettingsChanged?.(settings);
    return settings;
  };
  // Notifications are dropped by some platforms once garbage-collected; hold them until closed.
  const shown = new Set<Notification>();

  return {
    'identity:open': async () => {
      const { lastIdentityPath } = await deps.settings.get();
      const result = await showOpen({
        title: 'Open your identity file',
        properties: ['openFile'],
        filters: [{ name: 'Circle identity file', extensions: ['bin'] }],
        ...(lastIdentityPath ? { defaultPath: path.dirname(lastIdentityPath) } : {}),
      });
      const filePath = result.filePaths[0];
      if (result.canceled || !filePath) return null;
      const picked = await readPickedIdentityFile(filePath);
      changed(await deps.settings.rememberIdentity(picked.realPath, picked.size));
      return picked.pick;
    },

    'identity:open-last': async () => {
      const { lastIdentityPath, lastIdentitySize } = await deps.settings.get();
      if (!lastIdentityPath || !lastIdentitySize) return null;
      return reopenIdentityFile({ path: lastIdentityPath, size: lastIdentitySize });
    },

    'file:save': async ({ 0: { suggestedName, bytes } }) => {
      const name = sanitizeFileName(suggestedName);
      const ext = executableExtension(name);
      if (ext) {
        const { response } = await ask(parentWindow(), {
          type: 'warning',
          title: 'Save a program?',
          message: `“${name}” is a program or a file that can run one (.${ext})`,
          detail:
            'Opening it can take over your computer, even when it comes from someone you trust (their computer ' +
            'may be the one taken over). Save it only if you asked for exactly this file.',
          buttons: ['Don’t save', 'Save anyway'],
          defaultId: 0,
          cancelId: 0,
          noLink: true,
        });
        if (response !== 1) return { saved: false };
      }
      const result = await showSave({
        title: 'Save file',
        defaultPath: path.join(deps.getDownloadsDir(), name),
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      if (result.canceled || !result.filePath) return { saved: false };
      await writeFile(result.filePath, bytes);
      try {
        await mark(result.filePath);
      } catch (err) {
        // A program we could not mark is not left behind; other files stay (FAT drives have no marks).
        console.error(`circle: file:save could not mark the file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        if (executableExtension(path.basename(result.filePath))) {
          await rm(result.filePath, { force: true });
          throw new CircleError(ErrorCode.Unavailable, 'file:save', 'the program could not be marked as downloaded, so it was not saved');
        }
      }
      return { saved: true };
    },

    'settings:get': () => deps.settings.get(),

    'settings:update': async ({ 0: patch }) =>
      changed(await deps.settings.update(patch, (current, wanted) => vetSecurityDowngrades(current, wanted, parentWindow(), ask))),

    notify: async ({ 0: { title, body } }) => {
      const { notifications } = await deps.settings.get();
      if (!notifications.enabled || !Notification.isSupported()) return null;
      const note = new Notification({ title, body: notificationBody(body) });
      shown.add(note);
      note.on('close', () => shown.delete(note));
      note.on('click', () => {
        shown.delete(note);
        const win = parentWindow();
        if (!win) return;
        if (win.isMinimized()) win.restore();
        win.focus();
      });
      note.show();
      return null;
    },

    'external:open': async ({ 0: url }) => {
      const href = externalHref(url);
      if (!href) throw new CircleError(ErrorCode.Forbidden, 'external:open', 'only https, http and mailto links open outside Circle');
      await shell.openExternal(href);
      return null;
    },
  };
}

/** Registers every channel in CHANNELS; returns a function that removes them again. */
export function registerIpcHandlers(deps: IpcDeps): () => void {
  const handlers = createHandlers(deps);
  const register = <C extends Channel>(channel: C) =>
    ipcMain.handle(channel, (event, ...rawArgs: unknown[]) => dispatch(channel, handlers[channel], event, rawArgs, deps.getMainWindow));
  for (const channel of CHANNELS) register(channel);
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}
