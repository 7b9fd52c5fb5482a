import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ErrorCode, decodeIdentityFile, keyHash, selfMember } from '@circle/protocol';
import { CircleClient } from '@circle/desktop-app/core';
import { createLogger } from '../src/observability/log.js';
import { runScript, type ScriptResult } from '../../scripts/test/run-script.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { eventually, startTestRelay, type TestRelay } from './support/relay-harness.js';
import { freePort } from './support/free-port.js';
import { runScriptTimed } from './support/timed-script.js';

interface AllowlistJson {
  version: number;
  circleId: string;
  keyHashes: string[];
}

/** Exactly one line on stderr, nothing on stdout, a non-zero exit: how a script refuses. */
function expectOneLineRefusal(r: ScriptResult, command: string, problem: RegExp): void {
  expect(r.code, r.stdout + r.stderr).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${command}: `));
  expect(lines[0]).toMatch(problem);
}

async function allowlistRows(databaseUrl: string): Promise<{ key_hash: string; mailbox: string; revoked: boolean }[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (
      await client.query<{ key_hash: string; mailbox: string; revoked: boolean }>(
        'SELECT key_hash, mailbox, revoked FROM allowlist ORDER BY key_hash',
      )
    ).rows;
  } finally {
    await client.end();
  }
}

describe('operator scripts: seed and revoke', () => {
  let postgres: TestPostgres | undefined;
  let dir: string | undefined;
  let circleDir: string;
  let allowlistPath: string;
  let allowlist: AllowlistJson;
  let relayPort: number;
  let relayUrl: string;
  const relays: TestRelay[] = [];
  const clients: CircleClient[] = [];
  const pgEnv = () => ({ DATABASE_URL: postgres!.url });
  const identityPath = (n: number) => join(circleDir, `identity-${String(n).padStart(2, '0')}.bin`);

  /** A member's client on `url` (default: the URL in their file), listeners attachable before connecting. */
  async function openMember(n: number, url?: string): Promise<CircleClient> {
    const client = await CircleClient.open(await readFile(identityPath(n)), { relayUrl: url });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'circle-operator-'));
    circleDir = join(dir, 'circle');
    relayPort = await freePort();
    relayUrl = `http://localhost:${relayPort}`;
    const [server, gen] = await Promise.all([
      startPostgres(),
      runScript('identities', ['--count', '3', '--out', circleDir, '--relay-url', relayUrl, '--no-passphrase']),
    ]);
    postgres = server;
    expect(gen.code, gen.stderr).toBe(0);
    allowlistPath = join(circleDir, 'allowlist.json');
    allowlist = JSON.parse(await readFile(allowlistPath, 'utf8')) as AllowlistJson;
    expect(allowlist.keyHashes).toHaveLength(3);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const r of relays) await r.close();
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('npm run seed -- allowlist.json loads the allowlist into a fresh PostgreSQL; a second run adds nothing', async () => {
    const first = await runScript('seed', [allowlistPath], { env: pgEnv() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('Allowlist: 3 added, 0 already present, in the PostgreSQL at DATABASE_URL.');
    const rows = await allowlistRows(postgres!.url);
    expect(rows.map((r) => r.key_hash)).toEqual([...allowlist.keyHashes].sort());
    expect(rows.every((r) => !r.revoked)).toBe(true);

    const second = await runScript('seed', [allowlistPath], { env: pgEnv() });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe('Allowlist: 0 added, 3 already present, in the PostgreSQL at DATABASE_URL.');
    expect(await allowlistRows(postgres!.url)).toEqual(rows);
  });

  it('npm run seed exits as soon as it has printed its result (nothing keeps the process alive)', async () => {
    const r = await runScriptTimed('seed', [allowlistPath], { env: pgEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/0 added, 3 already present/);
    expect(r.lingerMs, 'milliseconds between the last output and the exit').toBeLessThan(2500);
  });

  it('a malformed allowlist.json is refused with one line naming the problem and a non-zero exit', async () => {
    const bad = async (name: string, text: string) => {
      const path = join(dir!, name);
      await writeFile(path, text);
      return path;
    };
    const good = { version: 1, circleId: allowlist.circleId, keyHashes: ['ab'.repeat(32)] };
    const cases: [string, RegExp][] = [
      [await bad('not-json.json', '{"version": 1, "keyHashes": ['), /not-json\.json is not JSON/],
      [
        await bad('bad-hash.json', JSON.stringify({ ...good, keyHashes: ['ab'.repeat(32), 'XYZ'] })),
        /bad-hash\.json: keyHashes\.1: each key hash is 64 lowercase hex digits/,
      ],
      [await bad('no-hashes.json', JSON.stringify({ version: 1, circleId: allowlist.circleId })), /no-hashes\.json: keyHashes: /],
    ];
    const results = await Promise.all(cases.map(([path]) => runScript('seed', [path], { env: pgEnv() })));
    for (const [i, r] of results.entries()) expectOneLineRefusal(r, 'seed', cases[i]![1]);
    // Nothing reached the database.
    expect((await allowlistRows(postgres!.url)).map((r) => r.key_hash)).toEqual([...allowlist.keyHashes].sort());
  });

  it('npm run revoke -- identity-02.bin revokes that member: the relay drops their connection and refuses them from then on', async () => {
    const relayLog: string[] = [];
    const relay = await startTestRelay('postgresql', {
      postgres,
      env: { PORT: String(relayPort), RELAY_PUBLIC_URL: relayUrl },
      logger: createLogger('info', (line) => relayLog.push(line)),
    });
    relays.push(relay);
    expect(relay.url).toBe(relayUrl); // the URL the identity files were made for
    const [member1, member2] = [await openMember(1), await openMember(2)];
    for (const c of [member1, member2]) {
      c.connect();
      await c.waitOnline();
    }

    const revoked = await runScript('revoke', [identityPath(2)], { env: pgEnv() });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/^Revoked Member 02\./);
    await eventually(() => member2.state === 'revoked', 'the relay drops member 2’s open connection', 5000);
    // The relay's log says a revocation took effect, and nothing about whom.
    await eventually(() => relayLog.some((l) => /"msg":"revoked member disconnected","connections":1/.test(l)), 'the relay logs it', 5000);
    const hash2hex = keyHash(selfMember(await decodeIdentityFile(await readFile(identityPath(2)))).ed25519PublicKey);
    for (const line of relayLog) {
      expect(line).not.toContain('Member 02');
      expect(line).not.toContain(hash2hex);
    }

    const again = await openMember(2);
    again.connect();
    await expect(again.waitOnline()).rejects.toMatchObject({ code: ErrorCode.Revoked });
    expect(again.state).toBe('revoked');
    expect(member1.state).toBe('online');

    const hash2 = keyHash(selfMember(await decodeIdentityFile(await readFile(identityPath(2)))).ed25519PublicKey);
    const rows = await allowlistRows(postgres!.url);
    expect(rows.filter((r) => r.revoked).map((r) => r.key_hash)).toEqual([hash2]);

    // Seeding the same allowlist again never brings a revoked member back.
    const reseed = await runScript('seed', [allowlistPath], { env: pgEnv() });
    expect(reseed.stdout).toMatch(/0 added, 3 already present/);
    expect((await allowlistRows(postgres!.url)).find((r) => r.key_hash === hash2)!.revoked).toBe(true);
  });

  it('revoking an unknown key hash (or something that is neither a key hash nor a file) exits non-zero with one clear line', async () => {
    const [unknown, nonsense] = await Promise.all([
      runScript('revoke', ['cd'.repeat(32)], { env: pgEnv() }),
      runScript('revoke', [join(dir!, 'no-such-identity.bin')], { env: pgEnv() }),
    ]);
    expectOneLineRefusal(unknown, 'revoke', /key cdcdcdcdcdcd… is not on the allowlist in the PostgreSQL at DATABASE_URL/);
    expectOneLineRefusal(nonsense, 'revoke', /no-such-identity\.bin is neither a 64-hex-digit key hash nor an identity file/);
    expect((await allowlistRows(postgres!.url)).filter((r) => r.revoked)).toHaveLength(1);
  });

  it('revoke takes an uppercase key hash, names the member with --circle, and says when a key was already revoked', async () => {
    const hash3 = allowlist.keyHashes[2]!;
    const first = await runScript('revoke', [hash3.toUpperCase(), '--circle', circleDir], { env: pgEnv() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(
      'Revoked Member 03 (identity-03.bin). Every relay process now refuses them and has closed their connections.',
    );
    const again = await runScript('revoke', [hash3], { env: pgEnv() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`key ${hash3.slice(0, 12)}… was already revoked; nothing changed.`);
    const byFile = await runScript('revoke', [identityPath(3)], { env: pgEnv() });
    expect(byFile.stdout.trim()).toBe('Member 03 was already revoked; nothing changed.');
    const stranger = await runScript('revoke', ['ef'.repeat(32), '--circle', circleDir], { env: pgEnv() });
    expectOneLineRefusal(stranger, 'revoke', /no member of the circle in .* has key hash efef/);
    const inspect = await runScript('identity-inspect', [identityPath(3)]);
    expect(inspect.stdout).toContain(`Key hash:   ${hash3}`);
  });

  it('without DATABASE_URL, seed works against the embedded PGlite in CIRCLE_DATA_DIR, twice, and a relay on that folder admits the members', async () => {
    const dataDir = join(dir!, 'embedded');
    const env = { DATABASE_URL: undefined, CIRCLE_DATA_DIR: dataDir };
    const first = await runScript('seed', [allowlistPath], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(`Allowlist: 3 added, 0 already present, in the embedded database in ${dataDir}.`);
    // The script let go of the folder when it finished: no lock, no advertised address left behind.
    expect(existsSync(join(dataDir, 'circle.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'embedded-postgres.url'))).toBe(false);

    const second = await runScript('seed', [allowlistPath], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe(`Allowlist: 0 added, 3 already present, in the embedded database in ${dataDir}.`);

    // A relay on the same folder admits the seeded members; revoke reaches it while it runs.
    const relay = await startTestRelay('pglite', { env: { CIRCLE_DATA_DIR: dataDir } });
    relays.push(relay);
    const [member1, member3] = [await openMember(1, relay.url), await openMember(3, relay.url)];
    for (const c of [member1, member3]) {
      c.connect();
      await c.waitOnline();
    }
    const revoked = await runScript('revoke', [identityPath(3)], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    await eventually(() => member3.state === 'revoked', 'the running embedded relay drops member 3', 5000);
    expect(member1.state).toBe('online');
  }, 120_000);
});
