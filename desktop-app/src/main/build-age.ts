/**
 * Circle does not update itself yet (docs/decisions/2026-12-07-updates-and-signing.md), so an
 * old install runs an old Chromium with publicly fixed holes. Until updates exist, a build older
 * than MAX_BUILD_AGE_DAYS says so when it starts, the way Signal Desktop warns before its
 * builds expire. The build time is written into the bundle by scripts/build-electron.ts.
 */
import type { MessageBoxOptions } from 'electron';

declare const CIRCLE_BUILT_AT: string | undefined;

export const MAX_BUILD_AGE_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/** When this bundle was built, or null when it was not built by build-electron (tests, sources). */
export function bundleBuiltAt(): Date | null {
  if (typeof CIRCLE_BUILT_AT !== 'string') return null;
  const date = new Date(CIRCLE_BUILT_AT);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The notice to show at start, or null while the build is recent (or its age unknown). */
export function buildAgeNotice(builtAt: Date | null, now: Date): MessageBoxOptions | null {
  if (!builtAt) return null;
  const days = Math.floor((now.getTime() - builtAt.getTime()) / DAY_MS);
  if (days <= MAX_BUILD_AGE_DAYS) return null;
  return {
    type: 'warning',
    message: `This copy of Circle is ${days} days old`,
    detail:
      'Circle does not update itself, and the browser engine inside it has had security fixes since this copy ' +
      'was built. Ask your circle’s operator for the current release and install it.',
    buttons: ['OK'],
  };
}
