import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeIdentityFile, keyHash, toHex } from '@circle/protocol';
import { runScript } from './run-script.js';

const tmp = () => mkdtemp(join(tmpdir(), 'circle-ids-'));

describe('npm run identities / identity:inspect', () => {
  it('generates 20 identities, an allowlist of key hashes only, and a separate operator key; each one inspects', async () => {
    const dir = await tmp();
    const gen = await runScript('identities', ['--count', '20', '--out', dir, '--relay-url', 'https://relay.example:8443']);
    expect(gen.code, gen.stderr).toBe(0);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.bin')).sort();
    expect(files).toEqual(Array.from({ length: 20 }, (_, i) => `identity-${String(i + 1).padStart(2, '0')}.bin`));
    const allowlist = JSON.parse(await readFile(join(dir, 'allowlist.json'), 'utf8')) as { keyHashes: string[] };
    expect(allowlist.keyHashes).toHaveLength(20);
    const operatorKey = (await readFile(join(dir, 'operator-private', 'roster-signing-key.hex'), 'utf8')).trim();
    expect((await stat(join(dir, 'operator-private'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'identity-01.bin'))).mode & 0o777).toBe(0o600);

    const inspections = await Promise.all(files.map((f) => runScript('identity-inspect', [join(dir, f)])));
    for (const [i, r] of inspections.entries()) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Member:     Member ${String(i + 1).padStart(2, '0')}`);
      expect(r.stdout).toContain('Relay:      https://relay.example:8443');
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
    expect((await runScript('identities', ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000'])).code).toBe(0);
    const before = await readFile(join(dir, 'identity-01.bin'));
    const again = await runScript('identities', ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000']);
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
    const ok = await runScript('identities', ['--count', '3', '--out', out, '--relay-url', 'http://localhost:4000', '--names', names]);
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
    expect((await runScript('identities', ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000'])).code).toBe(0);
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

  it('seals files with --passphrase-prompt; inspect needs the right passphrase', async () => {
    const dir = await tmp();
    const gen = await runScript(
      'identities',
      ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000', '--passphrase-prompt'],
      { input: 'first secret\n\n' },
    );
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.stdout).toMatch(/identity-01\.bin.*passphrase protected/);
    const right = await runScript('identity-inspect', [join(dir, 'identity-01.bin')], { input: 'first secret\n' });
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toContain('Protected:  yes');
    const wrong = await runScript('identity-inspect', [join(dir, 'identity-01.bin')], { input: 'guess\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe('identity:inspect: wrong passphrase for this identity file (WrongPassphrase)');
    const unsealed = await runScript('identity-inspect', [join(dir, 'identity-02.bin')]);
    expect(unsealed.stdout).toContain('Protected:  no passphrase');
  }, 120_000);
});
