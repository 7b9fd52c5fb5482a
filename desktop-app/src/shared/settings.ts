/**
 * Member settings: the only thing the app writes to disk. Never a key, a passphrase or a
 * message. Validated on read and on every update, so a hand-edited file cannot break the app.
 *
 * The renderer may change only preferences (SettingsPatchSchema). The identity file's path and
 * size are written by the Electron main process alone, when the member picks a file in its
 * dialog. There is no relay setting: the app connects only to the relay pinned in the identity
 * file's signed roster (SECURITY.md 2.6).
 */
import { z } from 'zod';
import { MAX_IDENTITY_FILE_BYTES } from '@circle/protocol';

export const SettingsSchema = z.strictObject({
  notifications: z.strictObject({ enabled: z.boolean(), showContent: z.boolean() }),
  calls: z.strictObject({
    relayOnly: z.boolean(),
    microphoneId: z.string().max(256).optional(),
    cameraId: z.string().max(256).optional(),
    speakerId: z.string().max(256).optional(),
  }),
  /** Where the member last picked their identity file (main writes it, never the renderer). */
  lastIdentityPath: z.string().max(4096).optional(),
  /** That file's size when picked: it is reopened only while it still has this size. */
  lastIdentitySize: z.number().int().min(1).max(MAX_IDENTITY_FILE_BYTES).optional(),
  /** Safety numbers the member marked as verified in person, by contact id. */
  verified: z.record(z.string().regex(/^[0-9a-f]{64}$/), z.string().regex(/^(\d{5} ){11}\d{5}$/)),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  notifications: { enabled: true, showContent: false },
  calls: { relayOnly: true },
  verified: {},
};

/** What the renderer may change: top-level keys replace, nested objects merge. */
export const SettingsPatchSchema = z.strictObject({
  notifications: SettingsSchema.shape.notifications.partial().optional(),
  calls: SettingsSchema.shape.calls.partial().optional(),
  verified: SettingsSchema.shape.verified.optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

/**
 * Fields earlier versions stored and this one no longer has, dropped before parsing so an old
 * file still loads: `relayUrlOverride` (any http(s) URL, which defeated the pinned relay).
 */
const RETIRED_FIELDS = ['relayUrlOverride'] as const;

export function withoutRetiredFields(stored: unknown): unknown {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return stored;
  const copy = { ...(stored as Record<string, unknown>) };
  for (const field of RETIRED_FIELDS) delete copy[field];
  return copy;
}

export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  return SettingsSchema.parse({
    ...current,
    notifications: { ...current.notifications, ...patch.notifications },
    calls: { ...current.calls, ...patch.calls },
    verified: patch.verified ?? current.verified,
  });
}
