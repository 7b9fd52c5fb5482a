/**
 * One `ipcMain.handle` per bridge channel. Each call is checked in the same order:
 *  1. the sender is the main frame of our main window, showing `app://circle` (else Forbidden);
 *  2. the arguments parse with the channel's schema (else BadRequest naming the field);
 *  3. the handler runs; its value comes back as `ok(value)`, anything thrown as `{ ok: false, error }`
 *     with a code and a message a person can act on, never a stack trace.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  desktopCapturer,
  dialog,
  ipcMain,
  Notification,
  shell,
  type BrowserWindow,
  type IpcMainInvokeEvent,
  type OpenDialogOptions,
  type SaveDialogOptions,
} from 'electron';
import type { z } from 'zod';
import { CircleError, ErrorCode, fail, ok, type ErrorInfo, type Result } from '@circle/protocol';
import { ChannelArgs, CHANNELS, type Channel, type ChannelResults } from '../shared/bridge.js';
import { readIdentityFile, sanitizeFileName } from './files.js';
import { isAppUrl } from './origin.js';
import type { ScreenPicker } from './screen-picker.js';
import type { SettingsStore } from './settings.js';
import { externalHref } from './window.js';

export interface IpcDeps {
  getMainWindow: () => BrowserWindow | null;
  settings: SettingsStore;
  picker: ScreenPicker;
  /** Folder the save dialog starts in. */
  getDownloadsDir: () => string;
}

type Args<C extends Channel> = z.output<(typeof ChannelArgs)[C]>;
type Handlers = { [C in Channel]: (args: Args<C>) => Promise<ChannelResults[C]> };

export const SCREEN_THUMBNAIL_SIZE = { width: 320, height: 180 } as const;

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
      const pick = await readIdentityFile(filePath);
      await deps.settings.update({ lastIdentityPath: filePath });
      return pick;
    },

    'identity:open-last': async () => {
      const { lastIdentityPath } = await deps.settings.get();
      if (!lastIdentityPath || !path.isAbsolute(lastIdentityPath)) return null;
      try {
        return await readIdentityFile(lastIdentityPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },

    'file:save': async ({ 0: { suggestedName, bytes } }) => {
      const result = await showSave({
        title: 'Save file',
        defaultPath: path.join(deps.getDownloadsDir(), sanitizeFileName(suggestedName)),
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      if (result.canceled || !result.filePath) return { saved: false };
      await writeFile(result.filePath, bytes);
      return { saved: true };
    },

    'settings:get': () => deps.settings.get(),

    'settings:update': ({ 0: patch }) => deps.settings.update(patch),

    notify: async ({ 0: { title, body } }) => {
      const { notifications } = await deps.settings.get();
      if (!notifications.enabled || !Notification.isSupported()) return null;
      const note = new Notification({ title, body });
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

    'screen:sources': async () => {
      const sources = await desktopCapturer.getSources({
        types: ['screen', 'window'],
        thumbnailSize: SCREEN_THUMBNAIL_SIZE,
        fetchWindowIcons: false,
      });
      deps.picker.setListed(sources);
      return sources.map((s) => ({ id: s.id, name: s.name, thumbnail: s.thumbnail.toDataURL() }));
    },

    'screen:select': async ({ 0: id }) => {
      if (!deps.picker.select(id)) {
        throw new CircleError(
          ErrorCode.NotFound,
          'screen:select',
          'that screen or window is not among the listed sources; list them again',
        );
      }
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
