/**
 * What `npm run relay` and `npm run worker` run: the esbuild bundles from
 * relay-server/scripts/build-relay.ts, under plain `node`, against a real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { RELAY_ENTRY, WORKER_ENTRY, buildRelay } from '../scripts/build-relay.js';
import { freePort } from './support/free-port.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { eventually } from './support/relay-harness.js';
import { spawnNode, spawnRelay } from './support/relay-process.js';
import { MIGRATION_COUNT } from './support/migrations.js';

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
    const relay = await spawnRelay({ port, entry: [RELAY_ENTRY], env: { DATABASE_URL: postgres!.url, LOG_LEVEL: 'info' } });
    try {
      expect(relay.output()).toMatch(new RegExp(`"msg":"database migrated","migrations":${MIGRATION_COUNT}`));
      expect(await (await fetch(`${relay.url}/health`)).json()).toEqual({ status: 'ok', database: 'up' });
      const { challenge } = (await (await fetch(`${relay.url}/auth/challenge`)).json()) as { challenge: string };
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const db = new pg.Client({ connectionString: postgres!.url });
      await db.connect();
      const tables = (
        await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
      ).rows.map((r) => r.t);
      await db.end();
      expect(tables).toEqual(expect.arrayContaining(['allowlist', 'blobs', 'devices', 'prekeys']));
    } finally {
      await relay.stop();
    }
    expect(await relay.exited).toEqual({ code: 0, signal: null });
    expect(relay.output()).toMatch(/"msg":"shutting down","signal":"SIGTERM"/);
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
      const worker = spawnNode([WORKER_ENTRY], { DATABASE_URL: postgres!.url, LOG_LEVEL: 'info', SWEEP_INTERVAL_MS: '1000' });
      try {
        await eventually(
          () => /"msg":"swept expired blobs","count":1/.test(worker.output()),
          'the worker sweeping the expired row',
          30_000,
        );
      } finally {
        await worker.stop();
      }
      expect((await worker.exited).code).toBe(0);
      expect((await db.query<{ n: string }>('SELECT count(*) AS n FROM blobs')).rows[0]!.n).toBe('1');
    } finally {
      await db.end();
    }
  });
});
