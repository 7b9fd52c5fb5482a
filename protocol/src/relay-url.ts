/**
 * The one normalisation of a relay URL, shared by the operator scripts, the relay's
 * RELAY_PUBLIC_URL and the app's relay override: so two spellings of one address can never
 * disagree. Normal form: the bare origin, lower-case host, default port dropped, no trailing
 * slash. A public host needs https://; plain http:// is for loopback, or an explicit opt-in.
 */
import { validateRelayUrl } from './roster.js';

export interface NormalizeRelayUrlOptions {
  /** Accept http:// for a host that is not loopback (a test network, a LAN you trust). */
  allowInsecureHttp?: boolean;
}

/** `insecureHttp`: refused only for plain http:// to a public host, which the caller's opt-in allows. */
export type NormalizedRelayUrl = { ok: true; url: string } | { ok: false; problem: string; insecureHttp?: true };

/** True for localhost, *.localhost, 127.0.0.0/8 and [::1]. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1';
}

export function normalizeRelayUrl(input: string, opts: NormalizeRelayUrlOptions = {}): NormalizedRelayUrl {
  const trimmed = input.trim();
  if (trimmed !== input) return { ok: false, problem: 'relay URL must not start or end with spaces' };
  const problem = validateRelayUrl(input);
  if (problem) return { ok: false, problem };
  const parsed = new URL(input);
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname) && !opts.allowInsecureHttp) {
    return {
      ok: false,
      insecureHttp: true,
      problem: `relay URL must use https:// for a host that is not loopback (https://${parsed.host})`,
    };
  }
  // URL's origin is already the normal form: scheme and host lower-cased, default port dropped.
  return { ok: true, url: parsed.origin };
}
