/**
 * Where the relay's data lives: the PostgreSQL at DATABASE_URL, or, without one, an
 * embedded PGlite in the relay's data folder. Callers get a connection string either way
 * and do not care which.
 */
import { CircleError, ErrorCode } from '@circle/protocol';
import { runningEmbeddedUrl, startEmbeddedPostgres } from './embedded-postgres.js';

export interface Database {
  connectionString: string;
  /** True when this is the embedded PGlite rather than an external PostgreSQL. */
  embedded: boolean;
  /** Largest connection pool the application may open against it. */
  poolMax: number;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  /** Folder for the embedded database (`<dataDir>/pgdata`); unused with a URL. */
  dataDir: string;
}

const EXTERNAL_POOL_MAX = 10;
/** PGlite runs one session; a second pooled connection would interleave transactions in it. */
const EMBEDDED_POOL_MAX = 1;

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) {
    return { connectionString: opts.databaseUrl, embedded: false, poolMax: EXTERNAL_POOL_MAX, close: async () => undefined };
  }
  const embedded = await startEmbeddedPostgres(opts.dataDir);
  return { connectionString: embedded.connectionString, embedded: true, poolMax: EMBEDDED_POOL_MAX, close: () => embedded.stop() };
}

/**
 * For operator scripts: like openDatabase, but when a running relay holds the embedded
 * database, connect to it through the relay's loopback wire address instead of failing.
 */
export async function openOrAttachDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  try {
    return await openDatabase(opts);
  } catch (err) {
    const url =
      !opts.databaseUrl && err instanceof CircleError && err.code === ErrorCode.Unavailable
        ? await runningEmbeddedUrl(opts.dataDir)
        : undefined;
    if (!url) throw err;
    return { connectionString: url, embedded: true, poolMax: EMBEDDED_POOL_MAX, close: async () => undefined };
  }
}
