/**
 * Security settings the renderer may ask to lower, and what main does about it: the member
 * confirms each downgrade in a native dialog that names the consequence, and while one is in
 * effect the window's title (set by main; the page cannot change it) says so.
 *
 * The relay is not among them: the app connects only to the relay pinned in the identity file
 * (SECURITY.md 2.6), so there is no relay setting to lower. Today the one downgrade is turning
 * relay-only calls off.
 */
import type { BrowserWindow, MessageBoxOptions } from 'electron';
import type { Settings, SettingsPatch } from '../shared/settings.js';

export const APP_TITLE = 'Circle';

export const RELAY_ONLY_OFF_CONFIRMATION: MessageBoxOptions = {
  type: 'warning',
  title: 'Turn off relay-only calls?',
  message: 'Turn off relay-only calls?',
  detail:
    'In your calls, the other members’ apps will learn your IP address (and so roughly where you are and ' +
    'which network you use), and yours will learn theirs. Keep relay-only calls on unless calls fail without it.',
  buttons: ['Keep relay-only calls', 'Turn off relay-only calls'],
  defaultId: 0,
  cancelId: 0,
  noLink: true,
};
const CONFIRMED = 1;

export type AskMember = (win: BrowserWindow | null, options: MessageBoxOptions) => Promise<{ response: number }>;

/** The part of `patch` the member agreed to: a downgrade they did not confirm is left out. */
export async function vetSecurityDowngrades(
  current: Settings,
  patch: SettingsPatch,
  win: BrowserWindow | null,
  ask: AskMember,
): Promise<SettingsPatch> {
  if (!(patch.calls?.relayOnly === false && current.calls.relayOnly)) return patch;
  const { response } = await ask(win, RELAY_ONLY_OFF_CONFIRMATION);
  if (response === CONFIRMED) return patch;
  const calls = { ...patch.calls };
  delete calls.relayOnly;
  return { ...patch, calls };
}

/** The window title: the app's name, plus every downgrade in effect. */
export function windowTitle(settings: Settings): string {
  return settings.calls.relayOnly ? APP_TITLE : `${APP_TITLE} (relay-only calls off: people you call see your IP address)`;
}

/** Main alone sets the window's title: the page's <title> is ignored. */
export function ownWindowTitle(win: BrowserWindow, settings: Settings | null): void {
  win.on('page-title-updated', (event) => event.preventDefault());
  win.setTitle(settings ? windowTitle(settings) : APP_TITLE);
}
