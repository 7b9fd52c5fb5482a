/**
 * The one contract between the renderer and the Electron main process. The preload exposes
 * exactly `CircleBridge` as `window.circle`; main registers one handler per channel, checks
 * the sender frame, parses the arguments with these schemas, and answers Result<T>.
 * In a plain browser the renderer uses a fallback with the same shape (renderer/platform.ts).
 */
import { z } from 'zod';
import type { Result } from '@circle/protocol';
import { SettingsPatchSchema, type Settings } from './settings.js';

export const CHANNELS = [
  'identity:open',
  'identity:open-last',
  'file:save',
  'settings:get',
  'settings:update',
  'notify',
  'external:open',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** Links open outside the app only for these schemes. */
export const EXTERNAL_SCHEMES = ['https:', 'http:', 'mailto:'] as const;

/** Largest file the renderer may hand to main for saving (matches the protocol's file cap). */
export const MAX_SAVE_BYTES = 64 * 1024 * 1024;

export const ChannelArgs = {
  'identity:open': z.tuple([]),
  'identity:open-last': z.tuple([]),
  'file:save': z.tuple([
    z.strictObject({
      suggestedName: z.string().min(1).max(255),
      bytes: z.instanceof(Uint8Array).refine((b) => b.length <= MAX_SAVE_BYTES, `at most ${MAX_SAVE_BYTES} bytes`),
    }),
  ]),
  'settings:get': z.tuple([]),
  'settings:update': z.tuple([SettingsPatchSchema]),
  notify: z.tuple([z.strictObject({ title: z.string().min(1).max(200), body: z.string().max(500) })]),
  'external:open': z.tuple([z.string().max(4096)]),
} satisfies Record<Channel, z.ZodTuple>;

export interface IdentityFilePick {
  name: string;
  bytes: Uint8Array;
}

export interface ChannelResults {
  'identity:open': IdentityFilePick | null;
  'identity:open-last': IdentityFilePick | null;
  'file:save': { saved: boolean };
  'settings:get': Settings;
  'settings:update': Settings;
  notify: null;
  'external:open': null;
}

export type ChannelParams = { [C in Channel]: z.input<(typeof ChannelArgs)[C]> };

/** What the renderer sees as `window.circle` in Electron. */
export type CircleBridge = {
  readonly platform: 'electron';
  invoke<C extends Channel>(channel: C, ...args: ChannelParams[C]): Promise<Result<ChannelResults[C]>>;
};
