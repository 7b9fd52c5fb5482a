/**
 * The renderer's window on the platform: Electron's preload bridge when present, otherwise
 * browser fallbacks with the same shape (file input, download link, Notification API,
 * localStorage for settings: never secrets).
 */
import { fail, ok, ErrorCode, type Result } from '@circle/protocol';
import type { Channel, ChannelParams, ChannelResults, CircleBridge, IdentityFilePick } from '../shared/bridge.js';
import { applySettingsPatch, DEFAULT_SETTINGS, SettingsSchema, withoutRetiredFields, type Settings } from '../shared/settings.js';
import { isAllowedLink } from './linkify.js';

export interface Platform {
  kind: 'electron' | 'browser';
  invoke<C extends Channel>(channel: C, ...args: ChannelParams[C]): Promise<Result<ChannelResults[C]>>;
}

declare global {
  interface Window {
    circle?: CircleBridge;
  }
}

const SETTINGS_KEY = 'circle.settings.v1';

function loadBrowserSettings(): Settings {
  try {
    const parsed = SettingsSchema.safeParse(withoutRetiredFields(JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null')));
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  } catch {
    return DEFAULT_SETTINGS;
  }
}

/** Lets the browser pick a file through a hidden input (the identity file, or a file to send). */
export function pickFile(accept?: string): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    if (accept) input.accept = accept;
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null));
    input.addEventListener('cancel', () => resolve(null));
    input.click();
  });
}

async function readPick(file: File | null): Promise<IdentityFilePick | null> {
  if (!file) return null;
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

const browserPlatform: Platform = {
  kind: 'browser',
  async invoke(channel, ...args): Promise<Result<never>> {
    const a = args as unknown[];
    switch (channel) {
      case 'identity:open':
        return ok(await readPick(await pickFile('.bin,application/octet-stream'))) as Result<never>;
      case 'identity:open-last':
        return ok(null) as Result<never>;
      case 'file:save': {
        const { suggestedName, bytes } = a[0] as { suggestedName: string; bytes: Uint8Array };
        const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
        const link = document.createElement('a');
        link.href = url;
        link.download = suggestedName;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        return ok({ saved: true }) as Result<never>;
      }
      case 'settings:get':
        return ok(loadBrowserSettings()) as Result<never>;
      case 'settings:update': {
        const next = applySettingsPatch(loadBrowserSettings(), a[0] as Parameters<typeof applySettingsPatch>[1]);
        localStorage.setItem(SETTINGS_KEY, JSON.stringify(next));
        return ok(next) as Result<never>;
      }
      case 'notify': {
        const { title, body } = a[0] as { title: string; body: string };
        if ('Notification' in window && Notification.permission === 'granted') new Notification(title, { body });
        else if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
        return ok(null) as Result<never>;
      }
      case 'external:open': {
        const url = a[0] as string;
        if (!isAllowedLink(url)) return fail(ErrorCode.Forbidden, 'only https, http and mailto links open outside Circle');
        window.open(url, '_blank', 'noopener,noreferrer');
        return ok(null) as Result<never>;
      }
    }
  },
};

export const platform: Platform =
  window.circle?.platform === 'electron' ? { kind: 'electron', invoke: (c, ...a) => window.circle!.invoke(c, ...a) } : browserPlatform;
