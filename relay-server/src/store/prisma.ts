/** The Prisma client the relay queries through: driver adapter over node-postgres, no Rust engine. */
import { PrismaPg } from '@prisma/adapter-pg';
import type { Database } from './database.js';
import { PrismaClient } from './generated/client.js';

export type { PrismaClient };

export function createPrismaClient(db: Database): PrismaClient {
  const adapter = new PrismaPg({ connectionString: db.connectionString, max: db.poolMax });
  return new PrismaClient({ adapter });
}
