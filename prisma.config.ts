// Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not the schema).
// Only `prisma generate` is used through the CLI (scripts/db-generate.ts), and it needs no
// database; migrations run through the wasm schema engine in relay-server/src/store/migrate.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Optional: absent while generating; `env()` would throw when DATABASE_URL is unset.
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
