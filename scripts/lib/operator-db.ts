/** The relay's database for operator scripts: DATABASE_URL, or the embedded one (also while a relay runs). */
import { existsSync } from 'node:fs';
import { Allowlist, applyMigrations, createPrismaClient, openOrAttachDatabase, type PrismaClient } from '@circle/relay-server';

export interface OperatorDb {
  allowlist: Allowlist;
  prisma: PrismaClient;
  where: string;
  close(): Promise<void>;
}

export async function openOperatorDb(): Promise<OperatorDb> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const dataDir = process.env.CIRCLE_DATA_DIR || './.circle';
  const db = await openOrAttachDatabase({ databaseUrl, dataDir });
  await applyMigrations(db.connectionString);
  const prisma = createPrismaClient(db);
  return {
    allowlist: new Allowlist(prisma),
    prisma,
    where: databaseUrl ? 'the PostgreSQL at DATABASE_URL' : `the embedded database in ${dataDir}`,
    close: async () => {
      await prisma.$disconnect();
      await db.close();
    },
  };
}
