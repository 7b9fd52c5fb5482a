/**
 * `npm run worker` as an operator runs it: its own process against PostgreSQL, until signalled.
 * It must outlive an idle database pool (its timer is the process), log every sweep, end with
 * one line and a non-zero exit when the database is unusable, and exit 0 on SIGTERM.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyMigrations } from '../src/store/index.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { spawnNode, type NodeProcess, type RelayExit } from './support/relay-process.js';
import { eventually } from './support/relay-harness.js';

const WORKER = ['--import', 'tsx', 'relay-server/src/worker/main.ts'];

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

function sweepCounts(proc: NodeProcess): number[] {
  return [...proc.output().matchAll(/"msg":"swept expired blobs","count":(\d+)/g)].map((m) => Number(m[1]));
}

/** Waits (generously: tsx compiles on a busy machine) until the worker has started, or has exited. */
const started = (proc: NodeProcess) =>
  eventually(() => /expiry worker running/.test(proc.output()) || proc.child.exitCode !== null, 'the worker starting', 120_000);

/** SIGTERM, then its exit (no SIGKILL after a few seconds, as NodeProcess.stop does: a busy machine is slow, not wrong). */
async function terminate(proc: NodeProcess): Promise<RelayExit | undefined> {
  proc.child.kill('SIGTERM');
  return exitWithin(proc, 60_000);
}

/** Resolves with the exit, or undefined if the process is still running after `ms`. */
const exitWithin = (proc: NodeProcess, ms: number): Promise<RelayExit | undefined> =>
  Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

describe.concurrent('npm run worker', () => {
  let postgres: TestPostgres | undefined;
  const procs: NodeProcess[] = [];
  const worker = (env: Record<string, string>) => {
    const p = spawnNode(WORKER, { LOG_LEVEL: 'info', ...env });
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    postgres = await startPostgres();
    await applyMigrations(postgres.url);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await postgres?.stop();
  });

  it('stays up for 90 s at the default SWEEP_INTERVAL_MS, logs its sweep, and exits 0 on SIGTERM', async () => {
    const proc = worker({ DATABASE_URL: postgres!.url });
    await started(proc);
    expect(await exitWithin(proc, 90_000), proc.output()).toBeUndefined();
    const counts = sweepCounts(proc);
    expect(counts.length, proc.output()).toBeGreaterThanOrEqual(1);
    expect(counts.every((n) => n === 0)).toBe(true);
    expect(await terminate(proc), proc.output()).toEqual({ code: 0, signal: null });
  }, 240_000);

  it('sweeps a blob that expires while it runs at a short interval, logging each sweep’s count', async () => {
    const proc = worker({ DATABASE_URL: postgres!.url, SWEEP_INTERVAL_MS: '200' });
    await started(proc);
    await eventually(() => sweepCounts(proc).length >= 2, 'two sweeps logged', 30_000);
    const id = randomUUID();
    await sql(postgres!.url, 'INSERT INTO blobs (id, mailbox, bytes, expires_at, delete_proof_hash) VALUES ($1, $2, $3, $4, $5)', [
      id,
      'ab'.repeat(16),
      randomBytes(64),
      new Date(Date.now() + 1500),
      'cd'.repeat(32),
    ]);
    await eventually(
      async () => (await sql(postgres!.url, 'SELECT 1 FROM blobs WHERE id = $1', [id])).rowCount === 0,
      'the expired blob is deleted',
      30_000,
    );
    await eventually(() => sweepCounts(proc).includes(1), 'the sweep that deleted it logged count 1', 5000);
    expect(proc.child.exitCode).toBeNull();
    expect(await terminate(proc), proc.output()).toEqual({ code: 0, signal: null });
  }, 240_000);

  it('on a database that was never migrated, exits 1 with one line saying so', async () => {
    const dbName = `unmigrated_${randomBytes(4).toString('hex')}`;
    await sql(postgres!.url, `CREATE DATABASE ${dbName}`);
    const url = new URL(postgres!.url);
    url.pathname = `/${dbName}`;
    const proc = worker({ DATABASE_URL: url.toString(), SWEEP_INTERVAL_MS: '200' });
    await started(proc);
    expect(await exitWithin(proc, 30_000), proc.output()).toEqual({ code: 1, signal: null });
    const errorLines = proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('worker: '));
    expect(errorLines, proc.output()).toHaveLength(1);
    expect(errorLines[0]).toMatch(/never migrated.*start the relay once/);
  }, 240_000);

  it('when the database goes away for good, retries, then exits 1 with one line', async () => {
    const own = await startPostgres();
    await applyMigrations(own.url);
    const proc = worker({ DATABASE_URL: own.url, SWEEP_INTERVAL_MS: '200' });
    await started(proc);
    await eventually(() => sweepCounts(proc).length >= 1, 'a first sweep', 30_000);
    await own.stop();
    expect(await exitWithin(proc, 60_000), proc.output()).toEqual({ code: 1, signal: null });
    expect(proc.output()).toMatch(/"msg":"sweep failed, retrying"/);
    const errorLines = proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('worker: '));
    expect(errorLines, proc.output()).toHaveLength(1);
    expect(errorLines[0]).toMatch(/^worker: lost the database: 6 sweeps in a row failed/);
  }, 240_000);

  it('answers --help with its usage and exit 0, and refuses a stray argument', async () => {
    const h = spawnNode([...WORKER, '--help'], {});
    const stray = spawnNode([...WORKER, 'now'], { DATABASE_URL: postgres!.url });
    procs.push(h, stray);
    expect(await h.exited).toEqual({ code: 0, signal: null });
    expect(h.output()).toMatch(/^usage: npm run worker/);
    expect(await stray.exited).toEqual({ code: 2, signal: null });
    expect(stray.output().trim()).toMatch(/^worker: unexpected argument "now"/);
  }, 240_000);
});
