/**
 * The `app://circle/` scheme: serves the built renderer folder and nothing else, so the
 * renderer never runs from `file://` (Electron security checklist #18). Every response
 * carries the CSP; a path that leaves the folder (`..`, encoded or not, or a symlink out)
 * is refused.
 */
import { protocol, type CustomScheme } from 'electron';
import { APP_HOST, APP_SCHEME } from './origin.js';
import {
  CONTENT_SECURITY_POLICY,
  mimeTypeOf,
  readRendererFile,
  rendererSecurityHeaders,
  resolveRendererPath,
} from '../web/renderer-files.js';

export { CONTENT_SECURITY_POLICY, mimeTypeOf };

export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

/** Must run before `app` is ready: privileges can only be granted at startup. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
}

function refuse(status: 400 | 403 | 404 | 405): Response {
  const text = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' }[status];
  return new Response(text, { status, headers: rendererSecurityHeaders('text/plain; charset=utf-8') });
}

/**
 * Maps an `app://circle/...` URL to a file inside `rootDir`, or null when it may not be served.
 * Lexical check only; the handler repeats the check on the real path to catch symlinks.
 */
export function resolveAppPath(rootDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  return resolveRendererPath(rootDir, parsed.pathname);
}

export type AppRequest = Pick<Request, 'url' | 'method'>;

/** The `protocol.handle('app', ...)` handler for the renderer folder `rootDir`. */
export function createAppProtocolHandler(rootDir: string): (request: AppRequest) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405);
    const candidate = resolveAppPath(rootDir, request.url);
    if (!candidate) return refuse(403);
    const body = await readRendererFile(rootDir, candidate);
    if (body === 'outside') return refuse(403);
    if (!body) return refuse(404);
    const headers = rendererSecurityHeaders(mimeTypeOf(candidate));
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
}
