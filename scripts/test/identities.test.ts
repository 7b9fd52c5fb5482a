import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeIdentityFile, keyHash, toHex } from '@circle/protocol';
import { runScript } from './run-script.js';

const tmp = () => mkdtemp(join(tmpdir(), 'circle-ids-'));
const PASSPHRASE = /^([a-km-z2-9]{4}-){4}[a-km-z2-9]{4}$/;

/** The handover sheet's entries by file name. */
async function handoverSheet(dir: string): Promise<Map<string, { name: string; passphrase: string }>> {
  const text = await readFile(join(dir, 'operator-private', 'handover-sheet.txt'), 'utf8');
  const entries = new Map<string, { name: string; passphrase: string }>();
  for (const m of text.matchAll(/^(identity-\d+\.bin) {2}(.+)\n {4}passphrase: (\S+)$/gm))
    entries.set(m[1]!, { name: m[2]!, passphrase: m[3]! });
  return entries;
}

describe('npm run identities / identity:inspect', () => {
  it('generates 20 identities, an allowlist of key hashes only, and a separate operator key; each one inspects', async () => {
    const dir = await tmp();
    const gen = await runScript('identities', [
      '--count',
      '20',
      '--out',
      dir,
      '--relay-url',
      'https://relay.example:8443',
      '--no-passphrase',
    ]);
    expect(gen.code, gen.stderr).toBe(0);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.bin')).sort();
    expect(files).toEqual(Array.from({ length: 20 }, (_, i) => `identity-${String(i + 1).padStart(2, '0')}.bin`));
    const allowlist = JSON.parse(await readFile(join(dir, 'allowlist.json'), 'utf8')) as { keyHashes: string[] };
    expect(allowlist.keyHashes).toHaveLength(20);
    const operatorKey = (await readFile(join(dir, 'operator-private', 'roster-signing-key.hex'), 'utf8')).trim();
    expect((await stat(join(dir, 'operator-private'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'identity-01.bin'))).mode & 0o777).toBe(0o600);
    expect(gen.stdout).toMatch(/identity-01\.bin {2}-> {2}Member 01 {2}\(NOT sealed: keep it private\)/);

    const inspections = await Promise.all(files.map((f) => runScript('identity-inspect', [join(dir, f)])));
    for (const [i, r] of inspections.entries()) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Member:     Member ${String(i + 1).padStart(2, '0')}`);
      expect(r.stdout).toContain('Relay:      https://relay.example:8443');
      expect(r.stdout).toContain(`Key hash:   ${allowlist.keyHashes[i]}`);
      expect(r.stdout.match(/safety number with you: (\d{5} ){11}\d{5}/g)).toHaveLength(19);
      const identity = await decodeIdentityFile(await readFile(join(dir, files[i]!)));
      // The allowlist holds this member's key hash and nothing that reveals the key itself.
      expect(allowlist.keyHashes).toContain(keyHash(identity.roster.members[i]!.ed25519PublicKey));
      for (const secret of [identity.x25519SecretKey, identity.ed25519Seed]) {
        expect(r.stdout + r.stderr).not.toContain(toHex(secret));
      }
      expect(r.stdout).not.toContain(operatorKey);
    }
    const allowlistText = await readFile(join(dir, 'allowlist.json'), 'utf8');
    const first = await decodeIdentityFile(await readFile(join(dir, files[0]!)));
    for (const m of first.roster.members) expect(allowlistText).not.toContain(toHex(m.ed25519PublicKey));
  }, 120_000);

  it('refuses to overwrite an existing circle without --force', async () => {
    const dir = await tmp();
    expect(
      (await runScript('identities', ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000', '--no-passphrase'])).code,
    ).toBe(0);
    const before = await readFile(join(dir, 'identity-01.bin'));
    const again = await runScript('identities', ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000', '--no-passphrase']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/--force/);
    expect(Buffer.compare(before, await readFile(join(dir, 'identity-01.bin')))).toBe(0);
    expect((await runScript('identities', ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000', '--force'])).code).toBe(0);
  });

  it('uses the names file and rejects bad arguments with a one-line reason', async () => {
    const dir = await tmp();
    const names = join(dir, 'names.txt');
    await writeFile(names, 'Alice\nBob\n');
    const out = join(dir, 'circle');
    const ok = await runScript('identities', [
      '--count',
      '3',
      '--out',
      out,
      '--relay-url',
      'http://localhost:4000',
      '--names',
      names,
      '--no-passphrase',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/identity-01\.bin {2}-> {2}Alice/);
    expect(ok.stdout).toMatch(/identity-03\.bin {2}-> {2}Member 03/);
    for (const args of [
      ['--count', '0', '--out', join(dir, 'x'), '--relay-url', 'http://localhost:4000'],
      ['--count', '2', '--out', join(dir, 'y'), '--relay-url', 'ftp://nope'],
      ['--count', '2', '--relay-url', 'http://localhost:4000'],
    ]) {
      const r = await runScript('identities', args);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^identities: /);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('inspect exits non-zero with a one-line reason for flipped bytes, truncation, wrong passphrase and missing files', async () => {
    const dir = await tmp();
    expect(
      (await runScript('identities', ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000', '--no-passphrase'])).code,
    ).toBe(0);
    const good = await readFile(join(dir, 'identity-01.bin'));
    const cases: [string, Buffer][] = [];
    for (const pos of [0, 8, 9, 12, 20, 50, 80, 120, good.length - 40, good.length - 1]) {
      const b = Buffer.from(good);
      b[pos]! ^= 0x10;
      cases.push([`flip-${pos}`, b]);
    }
    cases.push(['truncated', good.subarray(0, good.length - 10)], ['empty', Buffer.alloc(0)]);
    const results = await Promise.all(
      cases.map(async ([name, bytes]) => {
        const path = join(dir, `${name}.bin`);
        await writeFile(path, bytes);
        return [name, await runScript('identity-inspect', [path])] as const;
      }),
    );
    for (const [name, r] of results) {
      expect(r.code, name).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toMatch(/^identity:inspect: .+\((Identity\w+)\)$/);
    }
    const missing = await runScript('identity-inspect', [join(dir, 'nope.bin')]);
    expect(missing.stderr.trim()).toBe(`identity:inspect: cannot read ${join(dir, 'nope.bin')}: no such file`);
  }, 120_000);

  it('seals files with --passphrase-prompt; an empty answer gets a random passphrase; inspect needs the right one', async () => {
    const dir = await tmp();
    const gen = await runScript(
      'identities',
      ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000', '--passphrase-prompt'],
      { input: 'first secret\n\n' },
    );
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.stdout).toMatch(/identity-01\.bin.*\(sealed\)/);
    expect(gen.stdout).toMatch(/identity-02\.bin.*\(sealed\)/);
    const right = await runScript('identity-inspect', [join(dir, 'identity-01.bin')], { input: 'first secret\n' });
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toContain('Protected:  yes');
    const wrong = await runScript('identity-inspect', [join(dir, 'identity-01.bin')], { input: 'guess\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe('identity:inspect: wrong passphrase for this identity file (WrongPassphrase)');
    const second = (await handoverSheet(dir)).get('identity-02.bin')!;
    expect(second.passphrase).toMatch(PASSPHRASE);
    const random = await runScript('identity-inspect', [join(dir, 'identity-02.bin')], { input: `${second.passphrase}\n` });
    expect(random.code, random.stderr).toBe(0);
  }, 120_000);

  it('seals every file with its own random passphrase by default, listed only on the handover sheet', async () => {
    const dir = join(await tmp(), 'circle');
    const gen = await runScript('identities', ['--count', '3', '--out', dir, '--relay-url', 'https://relay.example.org']);
    expect(gen.code, gen.stderr).toBe(0);
    const sheet = await handoverSheet(dir);
    expect([...sheet.keys()]).toEqual(['identity-01.bin', 'identity-02.bin', 'identity-03.bin']);
    expect([...sheet.values()].map((e) => e.name)).toEqual(['Member 01', 'Member 02', 'Member 03']);
    const passphrases = [...sheet.values()].map((e) => e.passphrase);
    for (const p of passphrases) expect(p).toMatch(PASSPHRASE);
    expect(new Set(passphrases).size).toBe(3);
    expect((await stat(join(dir, 'operator-private', 'handover-sheet.txt'))).mode & 0o777).toBe(0o600);
    for (const p of passphrases) expect(gen.stdout + gen.stderr).not.toContain(p);
    expect(gen.stdout).toContain(`Passphrases: ${join(dir, 'operator-private', 'handover-sheet.txt')}`);
    const file1 = await readFile(join(dir, 'identity-01.bin'));
    await expect(decodeIdentityFile(file1)).rejects.toMatchObject({ code: 'PassphraseRequired' });
    await expect(decodeIdentityFile(file1, { passphrase: passphrases[1] })).rejects.toMatchObject({ code: 'WrongPassphrase' });
    expect((await decodeIdentityFile(file1, { passphrase: passphrases[0] })).roster.relayUrl).toBe('https://relay.example.org');
  }, 120_000);

  it('--force replaces the whole circle: no file of the old one survives', async () => {
    const dir = join(await tmp(), 'circle');
    const args = ['--out', dir, '--relay-url', 'http://localhost:4000', '--no-passphrase'];
    expect((await runScript('identities', ['--count', '5', ...args])).code).toBe(0);
    const replaced = await runScript('identities', ['--count', '3', ...args, '--force']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      'allowlist.json',
      'identity-01.bin',
      'identity-02.bin',
      'identity-03.bin',
      'operator-private',
    ]);
    const allowlist = JSON.parse(await readFile(join(dir, 'allowlist.json'), 'utf8')) as { keyHashes: string[] };
    const first = await decodeIdentityFile(await readFile(join(dir, 'identity-01.bin')));
    expect(first.roster.members).toHaveLength(3);
    expect(allowlist.keyHashes).toEqual(first.roster.members.map((m) => keyHash(m.ed25519PublicKey)));
    expect(
      (await readdir(join(dir, '..'))).filter((e) => e !== 'circle'),
      'no temporary folder left beside it',
    ).toEqual([]);
  }, 120_000);

  it('a generation that fails midway leaves nothing behind, and the next run needs no --force', async () => {
    const parent = await tmp();
    const dir = join(parent, 'circle');
    const args = ['--count', '3', '--out', dir, '--relay-url', 'http://localhost:4000', '--passphrase-prompt'];
    // Passphrases for one member only: the second prompt finds standard input at its end.
    const failed = await runScript('identities', args, { input: 'only one\n' });
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toBe('identities: expected a passphrase on standard input');
    expect(await readdir(parent)).toEqual([]);
    const next = await runScript('identities', args, { input: 'a\nb\nc\n' });
    expect(next.code, next.stderr).toBe(0);
  }, 120_000);

  it('refuses an --out that is a file, unusable, or a folder holding other files, in one line and at once', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'a-file'), 'x');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    const cases: [string, RegExp][] = [
      [join(dir, 'a-file'), /a-file is a file, not a folder/],
      ['/proc/x', /^identities: cannot /],
      [dir, /holds other files \(a-file, notes\.txt\)/],
    ];
    const results = await Promise.all(
      cases.map(([out]) =>
        runScript('identities', ['--count', '2', '--out', out, '--relay-url', 'http://localhost:4000', '--force'], { timeoutMs: 30_000 }),
      ),
    );
    for (const [i, r] of results.entries()) {
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.code, 'ended by itself').not.toBe(-1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(cases[i]![1]);
    }
    expect((await readdir(dir)).sort()).toEqual(['a-file', 'notes.txt']);
  }, 60_000);

  it('normalises the relay URL and refuses plain http:// for a public host unless --insecure-http', async () => {
    const dir = await tmp();
    const gen = (out: string, url: string, ...more: string[]) =>
      runScript('identities', ['--count', '1', '--out', join(dir, out), '--relay-url', url, '--no-passphrase', ...more]);
    const [upper, http, insecure] = await Promise.all([
      gen('a', 'https://RELAY.Example.org:443/'),
      gen('b', 'http://relay.example.org'),
      gen('c', 'http://relay.example.org:8080', '--insecure-http'),
    ]);
    expect(upper.code, upper.stderr).toBe(0);
    expect(upper.stdout).toMatch(/relay https:\/\/relay\.example\.org\n/);
    expect((await decodeIdentityFile(await readFile(join(dir, 'a', 'identity-01.bin')))).roster.relayUrl).toBe('https://relay.example.org');
    expect(http.code).toBe(2);
    expect(http.stderr.trim()).toBe(
      'identities: --relay-url: relay URL must use https:// for a host that is not loopback (https://relay.example.org) (or pass --insecure-http)',
    );
    expect(insecure.code, insecure.stderr).toBe(0);
    expect((await decodeIdentityFile(await readFile(join(dir, 'c', 'identity-01.bin')))).roster.relayUrl).toBe(
      'http://relay.example.org:8080',
    );
  }, 120_000);

  it('names file: line numbers count blank lines, control characters are shown escaped, surrounding spaces are refused', async () => {
    const dir = await tmp();
    const names = async (file: string, text: string) => {
      await writeFile(join(dir, file), text);
      return runScript('identities', [
        '--count',
        '5',
        '--out',
        join(dir, 'out'),
        '--relay-url',
        'http://localhost:4000',
        '--names',
        join(dir, file),
      ]);
    };
    const [blankLines, control, spaces, twice] = await Promise.all([
      names('a.txt', 'Alice\n\nBob\n\n' + 'x'.repeat(65) + '\n'),
      names('b.txt', 'Alice\nEvil\u001b[31mRed\n'),
      names('c.txt', 'Alice\n Bob\n'),
      names('d.txt', 'Alice\n\nAlice\n'),
    ]);
    expect(blankLines.stderr.trim()).toMatch(/^identities: names file line 5 \("x{65}"\): name must be 1-64 bytes/);
    expect(control.stderr).not.toContain('\u001b');
    expect(control.stderr.trim()).toMatch(/^identities: names file line 2 \("Evil\\u001b\[31mRed"\): name must not contain control/);
    expect(spaces.stderr.trim()).toMatch(/^identities: names file line 2 \(" Bob"\): name must not start or end with spaces/);
    expect(twice.stderr.trim()).toBe('identities: names file line 3: "Alice" is already on line 1');
    for (const r of [blankLines, control, spaces, twice]) expect(r.code).toBe(2);
  }, 60_000);
});
