/**
 * Applies the committed migrations in prisma/migrations, as `prisma migrate deploy` would
 * (same engine, same `_prisma_migrations` bookkeeping), without the CLI's native binary.
 * Idempotent: already-applied migrations are skipped; an edited one is an error.
 */
import { readMigrationList, readSchema } from './migrations-folder.js';
import { NO_SCHEMA_FILTER, withSchemaEngine } from './schema-engine.js';

export interface MigrationResult {
  /** Names of the migrations applied by this call (empty when already up to date). */
  applied: string[];
}

export async function applyMigrations(connectionString: string): Promise<MigrationResult> {
  const [schema, migrationsList] = await Promise.all([readSchema(), readMigrationList()]);
  const output = await withSchemaEngine(connectionString, schema, (engine) =>
    engine.applyMigrations({ migrationsList, filters: NO_SCHEMA_FILTER }),
  );
  return { applied: output.appliedMigrationNames };
}
