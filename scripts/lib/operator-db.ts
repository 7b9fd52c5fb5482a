/** The relay's database for operator scripts: DATABASE_URL, or the embedded one (also while a relay runs). */
import { Allowlist, applyMigrations, createPrismaClient, openOrAttachDatabase, type PrismaClient } from '@circle/relay-server';
import { ConfigSchema, loadDotEnv, parseEnv } from '@circle/relay-server/config';

export interface OperatorDb {
  allowlist: Allowlist;
  prisma: PrismaClient;
  where: string;
  close(): Promise<void>;
}

/** The relay's rules for the two variables the scripts read: an empty or non-PostgreSQL URL is refused. */
const OperatorDbConfig = ConfigSchema.pick({ DATABASE_URL: true, CIRCLE_DATA_DIR: true });

/** Checks the configuration first (throws a one-line ConfigError), so a bad variable never reaches a database. */
export function operatorDbConfig() {
  loadDotEnv();
  return parseEnv(OperatorDbConfig, process.env);
}

export async function openOperatorDb(): Promise<OperatorDb> {
  const { DATABASE_URL: databaseUrl, CIRCLE_DATA_DIR: dataDir } = operatorDbConfig();
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
