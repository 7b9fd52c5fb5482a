/**
 * Generates the Prisma client (relay-server/src/store/generated) offline, and only when
 * needed: a hash of the schema and the Prisma versions is kept beside the output, and a
 * matching hash means there is nothing to do.
 *
 *   npx tsx scripts/db-generate.ts          # generate if stale
 *   npx tsx scripts/db-generate.ts --force  # always generate
 *
 * Why not plain `prisma generate`: the Prisma 7 CLI first tries to download its native
 * schema-engine binary, which fails without network. Generating needs no engine at all,
 * and pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file stops the download.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCHEMA = join(ROOT, 'prisma', 'schema.prisma');
const CONFIG = join(ROOT, 'prisma.config.ts');
const OUTPUT = join(ROOT, 'relay-server', 'src', 'store', 'generated');
const HASH_FILE = join(OUTPUT, '.schema-hash');

// Resolve from the workspace that depends on Prisma, wherever npm placed the packages.
const requireFromRelay = createRequire(join(ROOT, 'relay-server', 'package.json'));

async function packageVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(requireFromRelay.resolve(`${name}/package.json`), 'utf8')) as { version: string };
  return manifest.version;
}

/** Everything the generated code depends on: a change to any of it means regenerate. */
async function inputsHash(): Promise<string> {
  const parts = [
    await readFile(SCHEMA, 'utf8'),
    await readFile(CONFIG, 'utf8'),
    await packageVersion('prisma'),
    await packageVersion('@prisma/client'),
  ];
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

async function isUpToDate(hash: string): Promise<boolean> {
  if (!existsSync(join(OUTPUT, 'client.ts'))) return false;
  return (await readFile(HASH_FILE, 'utf8').catch(() => '')) === hash;
}

async function generate(): Promise<void> {
  // Start clean so a removed model leaves no stale file behind (the folder is all generated).
  await rm(OUTPUT, { recursive: true, force: true });
  const cli = requireFromRelay.resolve('prisma/build/index.js');
  const env = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  };
  await promisify(execFile)(process.execPath, [cli, 'generate', '--schema', SCHEMA], { cwd: ROOT, env });
}

const force = process.argv.includes('--force');
const hash = await inputsHash();
if (!force && (await isUpToDate(hash))) {
  console.log('prisma client: up to date');
} else {
  const started = Date.now();
  try {
    await generate();
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    console.error(`prisma client: generate failed\n${stdout}${stderr}`);
    process.exit(1);
  }
  await writeFile(HASH_FILE, `${hash}\n`.trim());
  console.log(`prisma client: generated in ${Date.now() - started} ms`);
}
