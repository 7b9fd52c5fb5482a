/**
 * The relay's storage: open the database (external PostgreSQL or embedded PGlite),
 * migrate it, then query it through BlobStore and Allowlist.
 *
 * @example
 *   const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
 *   await applyMigrations(db.connectionString); // before the client connects
 *   const prisma = createPrismaClient(db);
 *   const blobs = new BlobStore(prisma);
 *   // ... on shutdown:
 *   await prisma.$disconnect();
 *   await db.close();
 */
export { openDatabase, openOrAttachDatabase, type Database, type OpenDatabaseOptions } from './database.js';
export { applyMigrations, type MigrationResult } from './migrate.js';
export { createPrismaClient, type PrismaClient } from './prisma.js';
export { INSERT_STATEMENTS } from './group-insert.js';
export { BlobStore, type BlobOwnership, type BlobPage, type BlobSummary, type NewBlob, type StoredBlob } from './blob-store.js';
export { DeviceStore, type DevicePublication, type PublishedPrekey, type StoredDevice } from './device-store.js';
export { Allowlist, type AllowlistSeed, type AllowlistStatus } from './allowlist.js';
