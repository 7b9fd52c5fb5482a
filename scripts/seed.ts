/**
 * npm run seed -- allowlist.json
 * Loads the allowlist (key hashes) into the relay's database: DATABASE_URL, or the embedded
 * one in CIRCLE_DATA_DIR. Idempotent: seeding twice adds nothing and never un-revokes.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { allowlistEntry } from '@circle/protocol';
import { fail, parseCommandArgs, runCommand } from './lib/cli.js';
import { openOperatorDb, operatorDbConfig } from './lib/operator-db.js';

const CMD = 'seed';
const USAGE = `usage: npm run seed -- DIR/allowlist.json
Adds the allowlist's key hashes to the relay's database: the PostgreSQL at DATABASE_URL, or, with
DATABASE_URL left out, the embedded one in CIRCLE_DATA_DIR (default ./.circle). Idempotent; never
un-revokes a key.`;
const AllowlistFile = z.strictObject({
  version: z.literal(1),
  circleId: z.string().regex(/^[0-9a-f]{32}$/),
  keyHashes: z
    .array(z.string().regex(/^[0-9a-f]{64}$/, 'each key hash is 64 lowercase hex digits'))
    .min(1)
    .max(255),
});

runCommand(CMD, async () => {
  const { positionals } = parseCommandArgs(CMD, {
    usage: USAGE,
    options: {},
    positionals: { min: 1, max: 1, names: 'the allowlist.json file' },
  });
  const path = positionals[0]!;
  operatorDbConfig();
  const text = await readFile(path, 'utf8').catch(() => fail(CMD, `cannot read ${path}`));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail(CMD, `${path} is not JSON`);
  }
  const parsed = AllowlistFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(CMD, `${path}: ${issue.path.join('.') || 'file'}: ${issue.message}`);
  }
  const db = await openOperatorDb();
  let added: number;
  try {
    ({ added } = await db.allowlist.seed(parsed.data.keyHashes.map(allowlistEntry)));
  } finally {
    await db.close();
  }
  // Printed once the database is let go of: the result line is the command's last act.
  console.log(`Allowlist: ${added} added, ${parsed.data.keyHashes.length - added} already present, in ${db.where}.`);
});
