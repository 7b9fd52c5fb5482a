/** How many migrations prisma/migrations holds: what a fresh database applies. */
import { readdirSync } from 'node:fs';
import { MIGRATIONS_DIR } from '../../src/store/migrations-folder.js';

export const MIGRATION_COUNT = readdirSync(MIGRATIONS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
