/**
 * Where the app's own pages live. The renderer is served from `app://circle/` (a privileged,
 * standard, secure scheme), so "our origin" is one fixed string that every check compares against.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'circle';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * The origin of a URL as `scheme://host[:port]`, or null when the text is not a URL.
 * Node's `URL.origin` is "null" for schemes it does not know (like `app:`), so build it by hand.
 */
export function originOf(url: string | undefined | null): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!parsed.host) return null;
  return `${parsed.protocol}//${parsed.host}`;
}

export function isAppUrl(url: string | undefined | null): boolean {
  return originOf(url) === APP_ORIGIN;
}
