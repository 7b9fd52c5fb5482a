/**
 * Both databases the relay runs on, for tests parametrised over them:
 * a real PostgreSQL (what production uses) and the embedded PGlite (what a relay without
 * DATABASE_URL uses). Each `open()` gives a fresh, empty, unmigrated database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/store/database.js';
import { startPostgres } from './postgres.js';

export interface DatabaseKind {
  name: 'postgresql' | 'pglite';
  open(): Promise<Database>;
}

async function withTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export const postgresql: DatabaseKind = {
  name: 'postgresql',
  async open() {
    const server = await startPostgres();
    // dataDir is only used by the embedded database.
    const db = await openDatabase({ databaseUrl: server.url, dataDir: tmpdir() });
    return {
      ...db,
      async close() {
        await db.close();
        await server.stop();
      },
    };
  },
};

export const pglite: DatabaseKind = {
  name: 'pglite',
  async open() {
    const temp = await withTempDir('circle-pglite-');
    const db = await openDatabase({ dataDir: temp.dir });
    return {
      ...db,
      async close() {
        await db.close();
        await temp.remove();
      },
    };
  },
};

export const databaseKinds: DatabaseKind[] = [postgresql, pglite];
