/**
 * The built renderer folder as both of its servers serve it (the Electron `app://` scheme and
 * browser mode's loopback HTTP server): one Content-Security-Policy, one set of security
 * headers, one path check. A path that leaves the folder (`..`, encoded or not, a backslash,
 * a NUL byte, or a symlink out) is never served.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** The renderer's Content-Security-Policy, the only definition (workers get theirs from their script's response). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self' http: https: ws: wss:",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeTypeOf(filePath: string): string {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers on every response from either server. */
export function rendererSecurityHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
    'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
  };
}

const isInside = (root: string, candidate: string): boolean => {
  const rel = path.relative(root, candidate);
  return rel === '' ? false : !rel.startsWith('..') && !path.isAbsolute(rel);
};

/**
 * Maps a URL path (still percent-encoded, as it arrived) to a file inside `rootDir`, or null
 * when it may not be served: bad percent-encoding, NUL, backslash, or outside the folder.
 * Lexical only; readRendererFile repeats the check on the real path to catch symlinks.
 */
export function resolveRendererPath(rootDir: string, encodedPath: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(encodedPath);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = path.resolve(rootDir);
  const candidate = path.resolve(root, `.${pathname}`);
  return isInside(root, candidate) ? candidate : null;
}

/** The bytes of `candidate` (from resolveRendererPath); 'outside' for a symlink out, null when missing or not a file. */
export async function readRendererFile(rootDir: string, candidate: string): Promise<Buffer | 'outside' | null> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(rootDir), realpath(candidate)]);
    if (!isInside(realRoot, realFile)) return 'outside';
    if (!(await stat(realFile)).isFile()) return null;
    return await readFile(realFile);
  } catch {
    return null;
  }
}
