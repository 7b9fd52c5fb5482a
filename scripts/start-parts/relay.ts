/**
 * `npm start`'s relay part: the relay on embedded PGlite (or DATABASE_URL) with the expiry
 * sweeper in-process; creates the demo circle on first run and seeds its allowlist.
 * The supervisor (scripts/start.ts) has checked the configuration already.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { allowlistEntry } from '@circle/protocol';
import { createLogger, loadConfig, startRelayStack, type RelayStack } from '@circle/relay-server';
import { generateCircleFiles, holdsCircle, type AllowlistFile } from '../lib/circle-files.js';
import { DEMO_NAMES } from '../lib/demo-circle.js';
import { runAsPart } from '../lib/supervisor.js';

let stack: RelayStack | undefined;
const part = runAsPart(async () => stack?.close());

async function startRelay(): Promise<string> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  stack = await startRelayStack({ config, logger: createLogger(config.LOG_LEVEL) });
  const relayUrl = config.RELAY_PUBLIC_URL ?? stack.url;
  const demoDir = resolve(config.CIRCLE_DATA_DIR, 'demo-circle');
  if (!(await holdsCircle(demoDir))) {
    // Unsealed on purpose (the demo's files open without a passphrase): an explicit choice, as with --no-passphrase.
    await generateCircleFiles({ dir: demoDir, relayUrl, names: DEMO_NAMES, passphrases: 'none' });
    console.log(`Created a demo circle for ${DEMO_NAMES.join(', ')} in ${demoDir}`);
  }
  const allowlist = JSON.parse(await readFile(join(demoDir, 'allowlist.json'), 'utf8')) as AllowlistFile;
  await stack.allowlist.seed(allowlist.keyHashes.map(allowlistEntry));
  return relayUrl;
}

startRelay().then(part.ready, part.fail);
