/**
 * Member settings: the only thing the app writes to disk. Never a key, a passphrase or a
 * message. Validated on read and on every update, so a hand-edited file cannot break the app.
 */
import { z } from 'zod';

export const SettingsSchema = z.strictObject({
  relayUrlOverride: z
    .string()
    .max(512)
    .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')
    .optional(),
  notifications: z.strictObject({ enabled: z.boolean(), showContent: z.boolean() }),
  calls: z.strictObject({
    relayOnly: z.boolean(),
    microphoneId: z.string().max(256).optional(),
    cameraId: z.string().max(256).optional(),
    speakerId: z.string().max(256).optional(),
  }),
  lastIdentityPath: z.string().max(4096).optional(),
  /** Safety numbers the member marked as verified in person, by contact id. */
  verified: z.record(z.string().regex(/^[0-9a-f]{64}$/), z.string().regex(/^(\d{5} ){11}\d{5}$/)),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  notifications: { enabled: true, showContent: false },
  calls: { relayOnly: true },
  verified: {},
};

/** A partial update: top-level keys replace, nested objects merge. */
export const SettingsPatchSchema = z.strictObject({
  relayUrlOverride: SettingsSchema.shape.relayUrlOverride.nullable().optional(),
  notifications: SettingsSchema.shape.notifications.partial().optional(),
  calls: SettingsSchema.shape.calls.partial().optional(),
  lastIdentityPath: SettingsSchema.shape.lastIdentityPath,
  verified: SettingsSchema.shape.verified.optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  const next: Settings = {
    ...current,
    notifications: { ...current.notifications, ...patch.notifications },
    calls: { ...current.calls, ...patch.calls },
    verified: patch.verified ?? current.verified,
  };
  if (patch.relayUrlOverride === null) delete next.relayUrlOverride;
  else if (patch.relayUrlOverride !== undefined) next.relayUrlOverride = patch.relayUrlOverride;
  if (patch.lastIdentityPath !== undefined) next.lastIdentityPath = patch.lastIdentityPath;
  return SettingsSchema.parse(next);
}
