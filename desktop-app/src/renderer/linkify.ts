/**
 * Finds links in message text. Links are shown as links but open only on click, and only
 * through the scheme allowlist (in Electron, main checks again). What a link shows is what
 * opens (shared/links.ts): a link whose text would hide its real host (a look-alike Unicode
 * host, bidi controls) shows the URL as it opens, punycode host included; one with a user
 * name before the host (`https://bank.example@evil.example/`) is not a link at all.
 */
import { externalHref, linkHost } from '../shared/links.js';

const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const URL_PATTERN = /\b(?:https?:\/\/|mailto:)[^\s<>"']+/gi;

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(/[.,;:!?)\]]+$/, '');
    const start = match.index;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    const href = externalHref(raw);
    if (!href) parts.push({ kind: 'text', text: raw });
    else parts.push({ kind: 'link', text: showsRealHost(raw, href) ? raw : href, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** True when the text as sent names the host that opens, with nothing that reorders it on screen. */
function showsRealHost(raw: string, href: string): boolean {
  return !BIDI_CONTROLS.test(raw) && raw.includes(`//${linkHost(href)}`);
}

export function isAllowedLink(href: string): boolean {
  return externalHref(href) !== null;
}
