/**
 * Finds links in message text. Links are shown as links but open only on click, and only
 * through the scheme allowlist (in Electron, main checks again).
 */
import { EXTERNAL_SCHEMES } from '../shared/bridge.js';

const URL_PATTERN = /\b(?:https?:\/\/|mailto:)[^\s<>"']+/gi;

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(/[.,;:!?)\]]+$/, '');
    const start = match.index;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    if (isAllowedLink(raw)) parts.push({ kind: 'link', text: raw, href: raw });
    else parts.push({ kind: 'text', text: raw });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

export function isAllowedLink(href: string): boolean {
  try {
    return (EXTERNAL_SCHEMES as readonly string[]).includes(new URL(href).protocol);
  } catch {
    return false;
  }
}
