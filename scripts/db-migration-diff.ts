/**
 * Prints the SQL that creates prisma/schema.prisma from an empty database, using the wasm
 * schema engine (the CLI's `prisma migrate diff` needs a native binary we cannot download).
 * Used to write prisma/migrations/<timestamp>_init/migration.sql; hand edits (such as
 * `SET STORAGE EXTERNAL` for the blob bytes) are appended to the migration afterwards.
 *
 *   npx tsx scripts/db-migration-diff.ts > /tmp/init.sql
 *
 * The engine insists on a live connection even for a diff between two files, so this
 * connects to DATABASE_URL if set, else to a throwaway embedded PGlite. Nothing is written
 * to either.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../relay-server/src/store/database.js';
import { readSchema } from '../relay-server/src/store/migrations-folder.js';
import { NO_SCHEMA_FILTER, withSchemaEngine } from '../relay-server/src/store/schema-engine.js';

const dataDir = await mkdtemp(join(tmpdir(), 'circle-diff-'));
const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
try {
  const schema = await readSchema();
  const result = await withSchemaEngine(db.connectionString, schema, (engine) =>
    engine.diff({
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: null,
      filters: NO_SCHEMA_FILTER,
    }),
  );
  process.stdout.write(result.stdout ?? '');
} finally {
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
}
