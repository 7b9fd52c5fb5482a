/**
 * Where the schema and committed migrations live, and how the schema engine wants them.
 * Paths are resolved from this module's own location, never from the working directory,
 * so the relay migrates correctly whichever folder it is started from.
 */
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationDirectory, MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaSource } from './schema-engine.js';

/**
 * `<repo>/prisma`: the nearest `prisma/schema.prisma` above this module, which is
 * `relay-server/src/store/` from source and `relay-server/dist/` in the bundled relay.
 */
export const PRISMA_DIR = findPrismaDir(dirname(fileURLToPath(import.meta.url)));

function findPrismaDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'prisma', 'schema.prisma'))) return join(dir, 'prisma');
    if (dirname(dir) === dir) throw new Error(`no prisma/schema.prisma above ${from}`);
  }
}
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');

const LOCKFILE = 'migration_lock.toml';
const MIGRATION_FILE = 'migration.sql';

export async function readSchema(): Promise<SchemaSource> {
  return { path: 'schema.prisma', content: await readFile(SCHEMA_PATH, 'utf8') };
}

/** Reads `prisma/migrations/*` into the list the engine applies (the same shape `prisma migrate deploy` builds). */
export async function readMigrationList(baseDir: string = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(baseDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories: MigrationDirectory[] = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: MIGRATION_FILE,
        content: await readFile(join(baseDir, name, MIGRATION_FILE), 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (err: Error) => ({ tag: 'error' as const, value: err.message }),
        ),
      },
    })),
  );
  const lockContent = await readFile(join(baseDir, LOCKFILE), 'utf8').catch(() => null);
  return { baseDir, lockfile: { path: LOCKFILE, content: lockContent }, shadowDbInitScript: '', migrationDirectories };
}
