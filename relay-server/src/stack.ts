/**
 * Everything a running relay needs, started in order: database (PostgreSQL or embedded
 * PGlite), migrations, Prisma, the relay itself, the in-process sweeper and, for scale-out,
 * the PostgreSQL Socket.IO adapter. Used by main.ts, `npm start`, tests and benchmarks.
 */
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import { BLOB_BYTES } from '@circle/protocol';
import type { RelayConfig } from './config.js';
import type { Logger } from './observability/log.js';
import { createRelay, type Relay } from './server.js';
import {
  Allowlist,
  BlobStore,
  DeviceStore,
  INSERT_STATEMENTS,
  applyMigrations,
  createPrismaClient,
  openDatabase,
  type Database,
  type PrismaClient,
} from './store/index.js';
import { startSweeper, type Sweeper } from './worker/sweeper.js';
import { PostgresUsedChallenges, loadClusterChallengeKey } from './cluster/shared-challenges.js';
import { HEARTBEAT_INTERVAL_MS, NODE_TIMEOUT_MS } from './cluster/roster.js';
import type { ChallengeStoreOptions } from './auth/challenges.js';

export interface RelayStack {
  relay: Relay;
  url: string;
  port: number;
  db: Database;
  prisma: PrismaClient;
  blobs: BlobStore;
  allowlist: Allowlist;
  devices: DeviceStore;
  sweeper?: Sweeper;
  close(): Promise<void>;
}

export interface StartRelayStackOptions {
  config: RelayConfig;
  logger: Logger;
  clock?: () => number;
  revocationCheckMs?: number;
  callRoomIdleMs?: number;
}

/** How long a blob statement may wait for a connection, run on the server, and take end to end. */
const DATABASE_TIMEOUTS = { connectionTimeoutMillis: 5_000, statement_timeout: 10_000, query_timeout: 15_000 };

/** The adapter's table for payloads too large for NOTIFY (live call signalling between nodes). */
const ADAPTER_TABLE_SQL = `CREATE TABLE IF NOT EXISTS socket_io_attachments (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`;

/** A probe of a database that does not answer at all (packets dropped) fails after this. */
const HEALTH_PROBE_TIMEOUT_MS = 3000;

/**
 * A pool whose connections the server ends (restart, failover, pg_terminate_backend) emits
 * 'error', from the pool for an idle connection and from the connection itself for one held
 * (the adapter's LISTEN connection): unhandled, either would end the process. Logged instead;
 * the next query opens a new connection.
 */
function survivePoolErrors(pool: pg.Pool, name: string, logger: Logger): void {
  const log = (err: Error) => logger.warn('database connection lost', { pool: name, error: err.message });
  pool.on('error', log);
  pool.on('connect', (client) => client.on('error', log));
}

/**
 * The pool as the cluster adapter sees it. The adapter takes one connection for LISTEN and,
 * when that connection ends, forgets it without releasing it: after a few database outages
 * the leaked connections fill the pool and the node can no longer publish (found by the
 * cluster test). Here a connection handed out by connect() goes back to the pool, destroyed,
 * when it ends; the adapter's queries go to the pool unchanged.
 */
function adapterView(pool: pg.Pool): pg.Pool {
  const connect = async () => {
    const client = await pool.connect();
    client.once('end', () => client.release(true));
    return client;
  };
  return new Proxy(pool, {
    get: (target, key) => {
      if (key === 'connect') return connect;
      const value = Reflect.get(target, key, target) as unknown;
      // The pool's own methods run on the pool itself: its query() calls its own connect().
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** MAILBOX_QUOTA_MB in blobs (every blob is BLOB_BYTES). */
export const quotaBlobs = (config: Pick<RelayConfig, 'MAILBOX_QUOTA_MB'>) =>
  Math.floor((config.MAILBOX_QUOTA_MB * 1024 * 1024) / BLOB_BYTES);

export async function startRelayStack(opts: StartRelayStackOptions): Promise<RelayStack> {
  const { config, logger } = opts;
  const clock = opts.clock ?? Date.now;
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.CIRCLE_DATA_DIR });
  let adapterPool: pg.Pool | undefined;
  let bytesPool: pg.Pool | undefined;
  try {
    const { applied } = await applyMigrations(db.connectionString);
    if (applied.length > 0) logger.info('database migrated', { migrations: applied.length });
    const prisma = createPrismaClient(db);
    // External PostgreSQL: blob inserts and fetches take node-postgres directly (see BlobStore);
    // inserts use at most INSERT_STATEMENTS of these connections, so fetches are never starved.
    // Timeouts: a stalled PostgreSQL fails puts (clients retry) instead of holding their blobs.
    bytesPool = db.embedded
      ? undefined
      : new pg.Pool({ connectionString: db.connectionString, max: INSERT_STATEMENTS + 2, ...DATABASE_TIMEOUTS });
    if (bytesPool) survivePoolErrors(bytesPool, 'blobs', logger);
    const blobs = new BlobStore(prisma, () => new Date(clock()), bytesPool, quotaBlobs(config));
    const allowlist = new Allowlist(prisma);
    const devices = new DeviceStore(prisma, () => new Date(clock()));
    if (config.RELAY_CLUSTER === 'postgres') {
      adapterPool = new pg.Pool({ connectionString: db.connectionString, max: 4, ...DATABASE_TIMEOUTS });
      survivePoolErrors(adapterPool, 'cluster', logger);
      await adapterPool.query(ADAPTER_TABLE_SQL);
    }
    const challenges: ChallengeStoreOptions | undefined = adapterPool
      ? { key: await loadClusterChallengeKey(adapterPool), used: new PostgresUsedChallenges(adapterPool) }
      : undefined;
    const pool = adapterPool;
    const relay = createRelay({
      config,
      blobs,
      allowlist,
      devices,
      logger,
      clock,
      revocationCheckMs: opts.revocationCheckMs,
      callRoomIdleMs: opts.callRoomIdleMs,
      challenges,
      databaseReachable: () =>
        Promise.race([
          prisma.$queryRaw`SELECT 1`.then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => setTimeout(resolve, HEALTH_PROBE_TIMEOUT_MS, false).unref()),
        ]),
      installAdapter: pool
        ? (io) =>
            io.adapter(
              createAdapter(adapterView(pool), {
                heartbeatInterval: HEARTBEAT_INTERVAL_MS,
                heartbeatTimeout: NODE_TIMEOUT_MS,
                errorHandler: (e) => logger.warn('cluster adapter error', { error: e.message }),
              }),
            )
        : undefined,
    });
    const { port, url } = await relay.listen();
    const sweeper = config.WORKER_IN_PROCESS
      ? startSweeper({ blobs, intervalMs: config.SWEEP_INTERVAL_MS, batchSize: config.SWEEP_BATCH, clock, logger, metrics: relay.metrics })
      : undefined;
    logger.info('relay listening', { port, embeddedDatabase: db.embedded, cluster: config.RELAY_CLUSTER, sweeper: Boolean(sweeper) });
    return {
      relay,
      url,
      port,
      db,
      prisma,
      blobs,
      allowlist,
      devices,
      sweeper,
      close: async () => {
        await sweeper?.stop();
        await relay.close();
        await pool?.end();
        await bytesPool?.end();
        await prisma.$disconnect();
        await db.close();
      },
    };
  } catch (err) {
    await adapterPool?.end();
    await bytesPool?.end();
    await db.close();
    throw err;
  }
}
