/**
 * The operator's command line, as a new operator meets it: --help everywhere, stray arguments
 * and bad variables refused in one line naming the problem, closed pipes, a dead relay address.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runScript, type ScriptResult } from './run-script.js';

const tmp = () => mkdtemp(join(tmpdir(), 'circle-cli-'));
/** Entry points outside scripts/, reached the way runScript reaches `scripts/<name>.ts`. */
const RELAY = '../relay-server/src/main';
const WORKER = '../relay-server/src/worker/main';
const APP_WEB = '../desktop-app/scripts/app-web';

/** Exactly one line on stderr, starting with the command's name, and the given exit code. */
function expectRefusal(r: ScriptResult, command: string, problem: RegExp, code = 2): void {
  expect(r.code, r.stdout + r.stderr).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${command}: `));
  expect(lines[0]).toMatch(problem);
}

describe('operator command line', () => {
  it('every script and server entry point answers --help with its usage and exit 0, starting nothing', async () => {
    const dataDir = join(await tmp(), 'data');
    const env = { CIRCLE_DATA_DIR: dataDir, DATABASE_URL: undefined, APP_WEB_PORT: '1' };
    const entries = ['circle', 'identities', 'seed', 'revoke', 'identity-inspect', RELAY, WORKER, APP_WEB];
    const results = await Promise.all(entries.map((e) => runScript(e, ['--help'], { env, timeoutMs: 120_000 })));
    for (const [i, r] of results.entries()) {
      expect(r.code, `${entries[i]}: ${r.stderr}`).toBe(0);
      expect(r.stdout, entries[i]).toMatch(/^usage:/);
      expect(r.stderr, entries[i]).toBe('');
      expect(r.stdout, entries[i]).not.toMatch(/listening|running|Allowlist:|Revoked/);
    }
    expect(existsSync(dataDir), 'no database was opened').toBe(false);
  }, 150_000);

  it('stray positional arguments and unknown options are refused in one line, never ignored', async () => {
    const dir = await tmp();
    const cases: [string, string[], string, RegExp][] = [
      [
        'identities',
        ['--count', '2', '--out', join(dir, 'c'), '--relay-url', 'http://localhost:4000', 'names.txt'],
        'identities',
        /unexpected argument "names\.txt"/,
      ],
      [
        'identities',
        ['--count', '2', '--out', join(dir, 'c'), '--relay-url', 'http://localhost:4000', '--nmes', 'x'],
        'identities',
        /--nmes/,
      ],
      ['seed', ['a.json', 'b.json'], 'seed', /unexpected argument "b\.json"/],
      ['revoke', ['ab'.repeat(32), 'extra'], 'revoke', /unexpected argument "extra"/],
      ['identity-inspect', ['a.bin', 'b.bin'], 'identity:inspect', /unexpected argument "b\.bin"/],
      ['circle', ['recv', 'now', '--identity', 'x.bin'], 'circle', /unexpected argument "now"/],
      [RELAY, ['--port', '4000'], 'relay', /unexpected argument "--port"/],
      [WORKER, ['now'], 'worker', /unexpected argument "now"/],
      [APP_WEB, ['5180'], 'app:web', /unexpected argument "5180"/],
    ];
    const results = await Promise.all(cases.map(([script, args]) => runScript(script, args, { timeoutMs: 120_000 })));
    for (const [i, r] of results.entries()) expectRefusal(r, cases[i]![2], cases[i]![3]);
    expect(await readdir(dir)).toEqual([]);
  }, 150_000);

  it('seed and revoke refuse an empty or non-PostgreSQL DATABASE_URL before touching any database', async () => {
    const dir = await tmp();
    const dataDir = join(dir, 'data');
    const allowlist = join(dir, 'allowlist.json');
    await writeFile(allowlist, JSON.stringify({ version: 1, circleId: 'ab'.repeat(16), keyHashes: ['cd'.repeat(32)] }));
    const cases: [string, string[], string, RegExp][] = [
      ['seed', [allowlist], '', /^seed: invalid DATABASE_URL: is empty.*, e\.g\. DATABASE_URL=postgresql:\/\//],
      ['seed', [allowlist], 'notaurl', /^seed: invalid DATABASE_URL: must be a PostgreSQL URL/],
      ['seed', [allowlist], 'mysql://u:p@127.0.0.1/db', /^seed: invalid DATABASE_URL: must be a PostgreSQL URL/],
      ['revoke', ['cd'.repeat(32)], '', /^revoke: invalid DATABASE_URL: is empty/],
      ['revoke', ['cd'.repeat(32)], 'mysql://u:p@127.0.0.1/db', /^revoke: invalid DATABASE_URL: must be a PostgreSQL URL/],
    ];
    const results = await Promise.all(
      cases.map(([script, args, url]) =>
        runScript(script, args, { env: { DATABASE_URL: url, CIRCLE_DATA_DIR: dataDir }, timeoutMs: 120_000 }),
      ),
    );
    for (const [i, r] of results.entries()) {
      expectRefusal(r, cases[i]![0], cases[i]![3]);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(dataDir), 'the embedded database was never opened').toBe(false);
  }, 150_000);

  it('the relay and the worker refuse bad variables in one line naming the variable, the range and an example', async () => {
    const base = { DATABASE_URL: undefined, CIRCLE_DATA_DIR: join(await tmp(), 'data'), RELAY_PUBLIC_URL: 'http://localhost:4000' };
    const cases: [string, Record<string, string | undefined>, string, RegExp][] = [
      [RELAY, { PORT: '70000' }, 'relay', /^relay: invalid PORT: must be a whole number from 0 to 65535, e\.g\. PORT=4000$/],
      [RELAY, { PORT: 'abc' }, 'relay', /^relay: invalid PORT: must be a whole number from 0 to 65535/],
      [
        RELAY,
        { SWEEP_INTERVAL_MS: '5' },
        'relay',
        /^relay: invalid SWEEP_INTERVAL_MS: must be a whole number from 100 to 86400000, e\.g\. SWEEP_INTERVAL_MS=60000$/,
      ],
      [RELAY, { DATABASE_URL: '' }, 'relay', /^relay: invalid DATABASE_URL: is empty/],
      [
        RELAY,
        { RELAY_PUBLIC_URL: undefined, HOST: '0.0.0.0' },
        'relay',
        /^relay: invalid RELAY_PUBLIC_URL: is not set.*e\.g\. RELAY_PUBLIC_URL=https:\/\/relay\.example\.org$/,
      ],
      [
        RELAY,
        { RELAY_PUBLIC_URL: 'http://relay.example.org' },
        'relay',
        /^relay: invalid RELAY_PUBLIC_URL: .*https:\/\/.*RELAY_INSECURE_HTTP=true/,
      ],
      [RELAY, { RELAY_PUBLIC_URL: 'https://relay.example.org/circle' }, 'relay', /^relay: invalid RELAY_PUBLIC_URL: .*no path/],
      [WORKER, { DATABASE_URL: undefined }, 'worker', /^worker: DATABASE_URL is not set, e\.g\. DATABASE_URL=postgresql:\/\//],
      [
        WORKER,
        { DATABASE_URL: 'postgresql://x@127.0.0.1/x', SWEEP_BATCH: '0' },
        'worker',
        /^worker: invalid SWEEP_BATCH: must be a whole number from 1 to 100000/,
      ],
    ];
    const results = await Promise.all(cases.map(([entry, env]) => runScript(entry, [], { env: { ...base, ...env }, timeoutMs: 120_000 })));
    for (const [i, r] of results.entries()) expectRefusal(r, cases[i]![2], cases[i]![3]);
  }, 60_000);

  it('app:web says in one line when APP_WEB_PORT is bad or its port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = (busy.address() as AddressInfo).port;
      const [bad, taken] = await Promise.all([
        runScript(APP_WEB, [], { env: { APP_WEB_PORT: 'abc' } }),
        runScript(APP_WEB, [], { env: { APP_WEB_PORT: String(port) }, timeoutMs: 120_000 }),
      ]);
      expectRefusal(bad, 'app:web', /^app:web: invalid APP_WEB_PORT: must be a whole number from 0 to 65535, e\.g\. APP_WEB_PORT=5180$/);
      const start = await runScript('start', [], {
        env: { APP_WEB_PORT: '70000', CIRCLE_DATA_DIR: join(await tmp(), 'data') },
        timeoutMs: 120_000,
      });
      expectRefusal(start, 'start', /^start: invalid APP_WEB_PORT: must be a whole number from 0 to 65535, e\.g\. APP_WEB_PORT=5180$/);
      expectRefusal(taken, 'app:web', new RegExp(`port ${port} is already in use`), 1);
    } finally {
      busy.close();
    }
  }, 150_000);

  it('identity:inspect piped into head ends quietly: no EPIPE, exit 0', async () => {
    const dir = join(await tmp(), 'circle');
    const gen = await runScript('identities', ['--count', '30', '--out', dir, '--relay-url', 'http://localhost:4000', '--no-passphrase']);
    expect(gen.code, gen.stderr).toBe(0);
    const r = await new Promise<{ status: string; stderr: string }>((resolve) => {
      const sh = spawn(
        'bash',
        ['-c', `node --import tsx scripts/identity-inspect.ts ${dir}/identity-01.bin | head -3 >/dev/null; echo "\${PIPESTATUS[0]}"`],
        { cwd: REPO_ROOT },
      );
      let out = '';
      let err = '';
      sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
      sh.stderr.on('data', (d: Buffer) => (err += d.toString()));
      sh.on('close', () => resolve({ status: out.trim(), stderr: err }));
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe('0');
  }, 120_000);

  it('the headless client says at once that nothing, or something other than a relay, answers at the relay address', async () => {
    const dir = join(await tmp(), 'circle');
    const gen = await runScript('identities', ['--count', '2', '--out', dir, '--relay-url', 'http://localhost:4000', '--no-passphrase']);
    expect(gen.code, gen.stderr).toBe(0);
    const notRelay = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>not found</h1>'));
    await new Promise<void>((r) => notRelay.listen(0, '127.0.0.1', r));
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    try {
      const identity = join(dir, 'identity-01.bin');
      // timeoutMs bounds "at once": the old client retried for about 16 s before saying anything.
      const [dead, wrong] = await Promise.all([
        runScript('circle', ['recv', '--identity', identity, '--relay', `http://127.0.0.1:${deadPort}`], { timeoutMs: 10_000 }),
        runScript('circle', ['recv', '--identity', identity, '--relay', `http://127.0.0.1:${(notRelay.address() as AddressInfo).port}`], {
          timeoutMs: 10_000,
        }),
      ]);
      expectRefusal(dead, 'circle', /nothing is listening at http:\/\/127\.0\.0\.1:\d+: is the relay running/, 1);
      expectRefusal(wrong, 'circle', /answers, but it is not a Circle relay \(GET \/health: HTTP 404\)/, 1);
    } finally {
      notRelay.close();
    }
  }, 120_000);
});
