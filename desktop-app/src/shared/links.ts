/**
 * The one rule for links leaving the app, used by main (which opens them) and available to the
 * renderer (which shows them), so what is shown is what opens: the WHATWG serialisation, whose
 * host is ASCII (punycode: `https://xn--pple-43d.example/`, not a look-alike `аpple`).
 */
import { EXTERNAL_SCHEMES } from './bridge.js';

const EXTERNAL: ReadonlySet<string> = new Set(EXTERNAL_SCHEMES);

/**
 * The link as it will open, or null when it may not open outside the app: only https, http and
 * mailto; no user name or password before the host (`https://bank.example@evil.example`); a
 * mailto link loses its query and fragment (`?attach=`, `?body=`), keeping only the addresses.
 */
export function externalHref(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!EXTERNAL.has(parsed.protocol)) return null;
  if (parsed.protocol === 'mailto:') {
    const to = parsed.pathname;
    return to && !/[\s<>"]/.test(to) ? `mailto:${to}` : null;
  }
  if (parsed.username || parsed.password || !parsed.hostname) return null;
  return parsed.href;
}

/** The host a link opens, as shown to the member: ASCII, punycode for international names. */
export function linkHost(href: string): string {
  try {
    return new URL(href).host;
  } catch {
    return '';
  }
}
