/**
 * The executable operator guide: the shell blocks of docs/operator-guide.md marked
 * `<!-- step -->` run as written, in order, on loopback against a real PostgreSQL and a real
 * coturn (the guide starts both the relay and coturn itself). When the guide and the code drift
 * apart, this test fails.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { freePort } from './support/free-port.js';
import { REPO_ROOT } from './support/relay-process.js';

const GUIDE = join(REPO_ROOT, 'docs', 'operator-guide.md');

/** The guide's step blocks, in order: a ```sh block right after a `<!-- step -->` line. */
export function guideSteps(markdown: string): string[] {
  return [...markdown.matchAll(/^<!-- step -->\n+```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

describe('operator guide', () => {
  let postgres: TestPostgres | undefined;
  let dir: string | undefined;
  let circleDir = '';

  afterAll(async () => {
    // Whatever the guide's last step did not stop (a step failed before it): each is a process group.
    for (const p of ['relay', 'worker', 'coturn']) {
      const file = join(circleDir, `${p}.pid`);
      const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('operator guide: its rehearsal steps run as written: circle, seed, coturn, relay, worker, messages, a file, a restart, a revocation', async () => {
    const steps = guideSteps(await readFile(GUIDE, 'utf8'));
    expect(steps.length, 'step blocks in the guide').toBeGreaterThanOrEqual(6);
    postgres = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), 'circle-guide-'));
    circleDir = join(dir, 'rehearsal');
    const [port, turnPort] = [await freePort(), await freePort()];
    const script = ['set -uo pipefail', ...steps.map((s, i) => `echo "=== step ${i + 1}"\n${s}`), 'echo "=== done"'].join('\n');
    const run = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', script], {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DATABASE_URL: postgres!.url,
          PORT: String(port),
          TURN_PORT: String(turnPort),
          CIRCLE_DIR: circleDir,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    const logs = ['relay', 'worker', 'coturn']
      .map((p) => join(circleDir, `${p}.log`))
      .filter(existsSync)
      .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').slice(-2000)}`)
      .join('\n');
    const context = `${run.out}\n${logs}`;
    expect(run.out, context).toMatch(/=== done/);
    const step = (n: number) => run.out.slice(run.out.indexOf(`=== step ${n}\n`), run.out.indexOf(`=== step ${n + 1}\n`));
    expect(step(2), context).toMatch(/Circle [0-9a-f]{32} with 2 members, relay http:\/\/localhost:\d+/);
    expect(step(2), context).toMatch(/Allowlist: 2 added, 0 already present, in the PostgreSQL at DATABASE_URL\./);
    expect(step(3), context).toMatch(/"status":"ok"/);
    expect(step(4), context).toMatch(/\] Bob: hello Alice/);
    expect(step(4), context).toMatch(/\] Bob: file rehearsal\.txt \(19 bytes\) saved to /);
    expect(step(5), context).toMatch(/\] Bob: held across a restart/);
    expect(step(6), context).toMatch(/Revoked Bob \(identity-02\.bin\)\./);
    expect(step(6), context).toMatch(/^circle: .*\(Revoked\)$/m);
    // Revocation is not revealed to other members: Alice's message is answered like any other.
    expect(step(6), context).toMatch(/sent to Bob \(kept by the relay until /);
    expect(run.code, context).toBe(0);
    expect(existsSync(circleDir), 'the last step cleaned up').toBe(false);
  }, 900_000);
});
