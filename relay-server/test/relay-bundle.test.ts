/**
 * What `npm run relay` and `npm run worker` run: the esbuild bundles from
 * relay-server/scripts/build-relay.ts, under plain `node`, against a real PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { RELAY_ENTRY, WORKER_ENTRY, buildRelay } from '../scripts/build-relay.js';
import { RELAY_NODE_FLAGS } from '../src/node-flags.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { freePort } from './support/relay-process.js';

interface Run {
  stdout: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Starts `node ...args` outside the repository (no .env), with `env` on top of ours. */
function run(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, args, { cwd: tmpdir(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const r: Run = {
    stdout: '',
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    kill: (signal) => child.kill(signal),
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in time; stdout so far:\n${r.stdout}`)), timeoutMs);
        const check = () => {
          if (!pattern.test(r.stdout)) return;
          clearTimeout(timer);
          resolve();
        };
        child.stdout.on('data', check);
        check();
      }),
  };
  child.stdout.on('data', (d: Buffer) => (r.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (r.stdout += d.toString()));
  return r;
}

describe('the bundled relay and worker (npm run relay / npm run worker)', () => {
  let postgres: TestPostgres | undefined;
  beforeAll(async () => {
    postgres = await startPostgres();
    await buildRelay();
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  it('the relay migrates a fresh PostgreSQL, answers /health and a challenge, and stops with exit 0 on SIGTERM', async () => {
    const port = await freePort();
    const relay = run([...RELAY_NODE_FLAGS, RELAY_ENTRY], {
      DATABASE_URL: postgres!.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    try {
      await relay.waitFor(/"msg":"relay listening"/);
      expect(relay.stdout).toMatch(/"msg":"database migrated","migrations":1/);
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: 'ok', database: 'up' });
      const { challenge } = (await (await fetch(`http://127.0.0.1:${port}/auth/challenge`)).json()) as { challenge: string };
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const db = new pg.Client({ connectionString: postgres!.url });
      await db.connect();
      const tables = (
        await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
      ).rows.map((r) => r.t);
      await db.end();
      expect(tables).toEqual(expect.arrayContaining(['allowlist', 'blobs']));
    } finally {
      relay.kill('SIGTERM');
    }
    expect(await relay.exit).toEqual({ code: 0, signal: null });
    expect(relay.stdout).toMatch(/"msg":"shutting down","signal":"SIGTERM"/);
  });

  it('the worker sweeps expired blobs from that database and stops with exit 0 on SIGTERM', async () => {
    const db = new pg.Client({ connectionString: postgres!.url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO blobs (id, mailbox, bytes, expires_at, delete_proof_hash)
         VALUES (gen_random_uuid(), repeat('a', 32), '\\x01'::bytea, now() - interval '1 minute', repeat('b', 64)),
                (gen_random_uuid(), repeat('a', 32), '\\x01'::bytea, now() + interval '1 day', repeat('b', 64))`,
      );
      const worker = run([WORKER_ENTRY], { DATABASE_URL: postgres!.url, LOG_LEVEL: 'info', SWEEP_INTERVAL_MS: '1000' });
      try {
        await worker.waitFor(/"msg":"swept expired blobs","count":1/);
      } finally {
        worker.kill('SIGTERM');
      }
      expect((await worker.exit).code).toBe(0);
      expect((await db.query<{ n: string }>('SELECT count(*) AS n FROM blobs')).rows[0]!.n).toBe('1');
    } finally {
      await db.end();
    }
  });
});
