/**
 * Marks a saved attachment as coming from outside, the way browsers do, so the OS warns before
 * running it: Windows' Mark-of-the-Web (a `Zone.Identifier` stream, Internet zone) and macOS'
 * `com.apple.quarantine` attribute (Gatekeeper). Linux desktops have no such mark; there the
 * file only loses any execute bit it had (saving over an executable keeps its mode).
 */
import { execFile } from 'node:child_process';
import { chmod, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** Zone 3 is the Internet zone: SmartScreen and Office's Protected View apply. */
export const ZONE_IDENTIFIER = '[ZoneTransfer]\r\nZoneId=3\r\n';
/** The quarantine agent name shown by Gatekeeper. */
const QUARANTINE_AGENT = 'Circle';

/** `flags;hex seconds;agent;` with flag 0x0081 (downloaded by an app, quarantine on). */
export function quarantineValue(nowMs: number): string {
  return `0081;${Math.floor(nowMs / 1000).toString(16)};${QUARANTINE_AGENT};`;
}

export interface MarkingDeps {
  platform: NodeJS.Platform;
  now: () => number;
  writeFile: (file: string, data: string) => Promise<void>;
  runXattr: (args: string[]) => Promise<void>;
  removeExecuteBits: (file: string) => Promise<void>;
}

const execFileAsync = promisify(execFile);
const runXattr = async (args: string[]): Promise<void> => {
  await execFileAsync('/usr/bin/xattr', args, { timeout: 10_000 });
};

async function removeExecuteBits(file: string): Promise<void> {
  const { mode } = await stat(file);
  if (mode & 0o111) await chmod(file, mode & 0o666);
}

export const defaultMarkingDeps: MarkingDeps = {
  platform: process.platform,
  now: Date.now,
  writeFile: (file, data) => writeFile(file, data),
  runXattr,
  removeExecuteBits,
};

/** Marks `file` (just written by file:save) for the platform's download checks. Throws when it could not. */
export async function markDownloaded(file: string, deps: MarkingDeps = defaultMarkingDeps): Promise<void> {
  switch (deps.platform) {
    case 'win32':
      return deps.writeFile(`${file}:Zone.Identifier`, ZONE_IDENTIFIER);
    case 'darwin':
      return deps.runXattr(['-w', 'com.apple.quarantine', quarantineValue(deps.now()), file]);
    default:
      return deps.removeExecuteBits(file);
  }
}
