/**
 * Reading the identity file for the renderer: bytes only (the core worker decodes them; main
 * never parses or keeps keys). Two ways in:
 *  - the member picks a file in the open dialog: read it (bounded) and remember its real path
 *    and size;
 *  - "open last": reopen that remembered file only if it is still a regular local file with the
 *    same real path and size. Anything else (a symlink now, another size, a UNC or device path,
 *    gone) is answered `null`, the same as a missing file, so the answer says nothing more.
 * The read buffer is zeroed after use: an unsealed file holds secret keys in clear.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { CircleError, ErrorCode, MAX_IDENTITY_FILE_BYTES } from '@circle/protocol';
import type { IdentityFilePick } from '../shared/bridge.js';

export interface PickedIdentity {
  pick: IdentityFilePick;
  /** The file's real path (symlinks resolved) and size, to remember for "open last". */
  realPath: string;
  size: number;
}

const tooLarge = () =>
  new CircleError(
    ErrorCode.IdentityMalformed,
    'identity:open',
    `that file is larger than ${MAX_IDENTITY_FILE_BYTES / 1024} KiB, so it is not a Circle identity file`,
  );

/** Reads at most MAX_IDENTITY_FILE_BYTES from an open file, refusing anything larger without reading it all. */
async function readBounded(handle: FileHandle, info: Stats, name: string): Promise<IdentityFilePick> {
  if (!info.isFile()) throw new CircleError(ErrorCode.IdentityMalformed, 'identity:open', 'that is not a file');
  if (info.size > MAX_IDENTITY_FILE_BYTES) throw tooLarge();
  // One byte past the cap: a file that grew since stat() is caught here.
  const buffer = new Uint8Array(MAX_IDENTITY_FILE_BYTES + 1);
  try {
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_IDENTITY_FILE_BYTES) throw tooLarge();
    }
    return { name, bytes: buffer.slice(0, length) };
  } finally {
    buffer.fill(0);
  }
}

/** The file the member picked in the open dialog. */
export async function readPickedIdentityFile(filePath: string): Promise<PickedIdentity> {
  const realPath = await realpath(filePath);
  const handle = await open(realPath, 'r');
  try {
    const info = await handle.stat();
    const pick = await readBounded(handle, info, path.basename(filePath));
    return { pick, realPath, size: pick.bytes.length };
  } finally {
    await handle.close();
  }
}

/**
 * Why `filePath` is not a plain local path on `platform`, or null. Windows: a drive-letter path
 * only (no `\\server\share`, which would open an SMB connection and hand over the member's NTLM
 * hash; no `\\?\` or `\\.\` device namespace; no alternate data stream). Elsewhere: absolute, and
 * not under /dev, /proc or /sys.
 */
export function nonLocalPathReason(filePath: string, platform: NodeJS.Platform = process.platform): string | null {
  if (filePath.includes('\0')) return 'the path holds a NUL';
  if (platform === 'win32') {
    if (/^[\\/]{2}/.test(filePath)) return 'a network or device path';
    if (!/^[a-zA-Z]:\\/.test(filePath)) return 'not an absolute drive path';
    if (filePath.slice(2).includes(':')) return 'an alternate data stream';
    return null;
  }
  if (!path.posix.isAbsolute(filePath)) return 'not an absolute path';
  if (/^\/(dev|proc|sys)(\/|$)/.test(path.posix.normalize(filePath))) return 'a device or kernel file';
  return null;
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Reopens the remembered identity file, or null when it is not exactly what the member picked. */
export async function reopenIdentityFile(
  remembered: { path: string; size: number },
  platform: NodeJS.Platform = process.platform,
): Promise<IdentityFilePick | null> {
  if (nonLocalPathReason(remembered.path, platform)) return null;
  let handle: FileHandle | undefined;
  try {
    const before = await lstat(remembered.path);
    if (!before.isFile() || before.size !== remembered.size) return null;
    // No symlink anywhere on the way: the real path is still the remembered one.
    if ((await realpath(remembered.path)) !== remembered.path) return null;
    handle = await open(remembered.path, constants.O_RDONLY | O_NOFOLLOW);
    const info = await handle.stat();
    // The file opened is the one checked (not swapped in between).
    if (info.dev !== before.dev || info.ino !== before.ino || info.size !== remembered.size) return null;
    const pick = await readBounded(handle, info, path.basename(remembered.path));
    return pick.bytes.length === remembered.size ? pick : null;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}
