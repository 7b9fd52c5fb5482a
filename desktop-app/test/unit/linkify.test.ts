import { describe, expect, it } from 'vitest';
import { splitLinks } from '../../src/renderer/linkify.js';

const links = (text: string) => splitLinks(text).filter((p) => p.kind === 'link');

describe('links in message text show what opens', () => {
  it('keeps an ordinary link as sent, opening its WHATWG form', () => {
    expect(links('see https://example.org/a?b=1 ok')).toEqual([
      { kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
    ]);
  });

  it('shows a look-alike Unicode host as the punycode host that opens', () => {
    const [link] = links('pay at https://аpple.example/login');
    expect(link).toEqual({ kind: 'link', text: 'https://xn--pple-43d.example/login', href: 'https://xn--pple-43d.example/login' });
  });

  it('does not link a URL with a user name before the host', () => {
    expect(links('https://bank.example.com@evil.example/')).toEqual([]);
    expect(splitLinks('https://bank.example.com@evil.example/')).toEqual([
      { kind: 'text', text: 'https://bank.example.com@evil.example/' },
    ]);
  });

  it('shows a link with a bidi override inside as it opens, with the override escaped', () => {
    const [link] = links('https://example.org/\u202Efdp.exe');
    expect(link!.text).not.toMatch(/\u202E/);
    expect(link!.text).toBe(link!.href);
    expect(link!.href).toBe('https://example.org/%E2%80%AEfdp.exe');
  });

  it('drops a mailto query (attachments, bodies)', () => {
    expect(links('mailto:carol@example.org?attach=/etc/passwd')).toEqual([
      { kind: 'link', text: 'mailto:carol@example.org', href: 'mailto:carol@example.org' },
    ]);
  });
});
