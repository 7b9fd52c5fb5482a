/**
 * Screen sharing on the member's pick only. The page calls `getDisplayMedia()` from a click;
 * main's display-media handler (permissions.ts) then lists the screens and windows and asks the
 * member in a native dialog owned by main. The answer goes to that one request, at once, and is
 * not kept: the next request asks again. The page never sees the list (window titles can be
 * private), and cannot make a pick for the member.
 */
import { desktopCapturer, dialog, type BrowserWindow } from 'electron';

export interface PickableSource {
  id: string;
  name: string;
}

/** More choices than this do not fit a dialog; screens come first, then windows in the OS's order. */
export const MAX_CHOICES = 12;
const MAX_LABEL_CHARS = 60;

/** Screens and windows, without thumbnails: the dialog shows names only. */
export async function listScreenSources(): Promise<PickableSource[]> {
  const sources = await desktopCapturer.getSources({
    types: ['screen', 'window'],
    thumbnailSize: { width: 0, height: 0 },
    fetchWindowIcons: false,
  });
  return sources.map((s) => ({ id: s.id, name: s.name }));
}

/** A button label: one line, no control or direction-changing characters, bounded. */
export function sourceLabel(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '').trim();
  const chars = Array.from(clean || 'Untitled window');
  return chars.length > MAX_LABEL_CHARS ? `${chars.slice(0, MAX_LABEL_CHARS - 1).join('')}…` : chars.join('');
}

/** Asks the member which source to share; null when they cancel. */
export async function chooseScreenSource(win: BrowserWindow, sources: readonly PickableSource[]): Promise<PickableSource | null> {
  const choices = sources.slice(0, MAX_CHOICES);
  if (choices.length === 0) {
    await dialog.showMessageBox(win, { type: 'info', message: 'There is no screen or window to share.', buttons: ['OK'] });
    return null;
  }
  const cancelId = choices.length;
  const { response } = await dialog.showMessageBox(win, {
    type: 'question',
    title: 'Share your screen',
    message: 'What should the others in this call see?',
    detail: 'They see it live until you stop sharing.',
    buttons: [...choices.map((s) => sourceLabel(s.name)), 'Cancel'],
    cancelId,
    defaultId: cancelId,
    noLink: true,
  });
  return choices[response] ?? null;
}
