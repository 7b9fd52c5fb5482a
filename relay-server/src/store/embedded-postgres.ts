/**
 * Embedded PostgreSQL for a relay started without DATABASE_URL: PGlite (Postgres in
 * WebAssembly) persisted on disk, served on a loopback port so the Prisma client and the
 * schema engine talk to it over the ordinary wire protocol, exactly as to a real server.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDataDir } from './data-dir-lock.js';

/**
 * PGlite is one session: the socket server queues every connection's queries into it.
 * The application uses one connection (pool max 1, so no two transactions interleave);
 * the migration engine's connection has closed before the app connects, but the server
 * forgets a closed socket only on a later tick, so allow a little headroom rather than
 * have the app's first connection refused.
 */
const MAX_SOCKET_CONNECTIONS = 4;

export interface EmbeddedPostgres {
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite persisted in `<dataDir>/pgdata` and listens on 127.0.0.1 at a free port.
 * Throws CircleError Unavailable if another live process has the same folder open.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const pgdata = join(dataDir, 'pgdata');
  await mkdir(pgdata, { recursive: true });
  const unlock = await lockDataDir(dataDir);
  try {
    const served = await servePglite(pgdata);
    // Operator scripts (seed, revoke) reach a running relay's database through this loopback address.
    const urlFile = join(dataDir, EMBEDDED_URL_FILE);
    await writeFile(urlFile, served.connectionString, { mode: 0o600 });
    return {
      connectionString: served.connectionString,
      async stop() {
        await rm(urlFile, { force: true });
        await served.stop();
        await unlock();
      },
    };
  } catch (err) {
    await unlock();
    throw err;
  }
}

export const EMBEDDED_URL_FILE = 'embedded-postgres.url';

/** The wire address of the embedded database a running relay holds open in `dataDir`, if any. */
export async function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  const url = await readFile(join(dataDir, EMBEDDED_URL_FILE), 'utf8').catch(() => undefined);
  return url?.startsWith('postgresql://postgres@127.0.0.1:') ? url : undefined;
}

async function servePglite(pgdata: string): Promise<EmbeddedPostgres> {
  const db = await PGlite.create({ dataDir: pgdata });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_SOCKET_CONNECTIONS });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  return {
    // PGlite ignores credentials; pg still needs a user and database name in the URL.
    connectionString: `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
