/**
 * The two files main touches for the renderer: the identity file it reads (bytes only; the
 * renderer's core worker decodes them, main never parses or keeps keys) and files the member
 * saves. Reads are bounded so a wrong pick cannot make main swallow a huge file.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { CircleError, ErrorCode, MAX_IDENTITY_FILE_BYTES } from '@circle/protocol';
import type { IdentityFilePick } from '../shared/bridge.js';

/** Reads an identity file of at most MAX_IDENTITY_FILE_BYTES, refusing anything larger without reading it all. */
export async function readIdentityFile(filePath: string): Promise<IdentityFilePick> {
  const handle = await open(filePath, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new CircleError(ErrorCode.IdentityMalformed, 'identity:open', 'that is not a file');
    const tooLarge = () =>
      new CircleError(
        ErrorCode.IdentityMalformed,
        'identity:open',
        `that file is larger than ${MAX_IDENTITY_FILE_BYTES / 1024} KiB, so it is not a Circle identity file`,
      );
    if (info.size > MAX_IDENTITY_FILE_BYTES) throw tooLarge();
    // Read one byte past the cap: a file that grew since stat() is caught here.
    const buffer = new Uint8Array(MAX_IDENTITY_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_IDENTITY_FILE_BYTES) throw tooLarge();
    }
    return { name: path.basename(filePath), bytes: buffer.slice(0, length) };
  } finally {
    await handle.close();
  }
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const MAX_NAME_CHARS = 200;

/**
 * A suggested file name made safe to offer in a save dialog: no folders, no control or
 * reserved characters, no leading dots, no Windows device names, a sane length.
 */
export function sanitizeFileName(suggested: string): string {
  const base = suggested.split(/[/\\]/).pop() ?? '';
  let name = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '_')
    .replace(/^[\s.]+/, '')
    .replace(/[\s.]+$/, '')
    .trim();
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  const chars = Array.from(name); // by code point, so a cut never splits a surrogate pair
  if (chars.length > MAX_NAME_CHARS) {
    const ext = Array.from(path.extname(name)).slice(0, 20);
    name = [...chars.slice(0, MAX_NAME_CHARS - ext.length), ...ext].join('');
  }
  return name || 'file';
}
