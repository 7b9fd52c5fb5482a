/**
 * npm start: Circle on its embedded default. Creates a demo circle on first run (identity
 * files in .circle/demo-circle/), starts the relay on embedded PGlite with the expiry sweeper
 * in-process, seeds the allowlist, serves the app for browsers and says how to connect.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { allowlistEntry } from '@circle/protocol';
import { ConfigError, createLogger, loadConfig, startRelayStack } from '@circle/relay-server';
import { generateCircleFiles, holdsCircle, type AllowlistFile } from './lib/circle-files.js';
import { fail } from './lib/cli.js';
import { startAppSurfaces } from './lib/app-surfaces.js';

const DEMO_NAMES = ['Alice', 'Bob', 'Carol', 'Dave'];

if (existsSync('.env')) process.loadEnvFile('.env');
let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  fail('start', err instanceof ConfigError ? err.message : String(err), 2);
}
const logger = createLogger(config.LOG_LEVEL);
const stack = await startRelayStack({ config, logger }).catch((err: unknown) =>
  fail('start', `could not start the relay: ${err instanceof Error ? err.message : String(err)}`),
);
const relayUrl = config.RELAY_PUBLIC_URL ?? stack.url;

const demoDir = resolve(config.CIRCLE_DATA_DIR, 'demo-circle');
if (!(await holdsCircle(demoDir))) {
  // Unsealed on purpose (the demo's files open without a passphrase): an explicit choice, as with --no-passphrase.
  await generateCircleFiles({ dir: demoDir, relayUrl, names: DEMO_NAMES, passphrases: 'none' });
  console.log(`Created a demo circle for ${DEMO_NAMES.join(', ')} in ${demoDir}`);
}
const allowlist = JSON.parse(await readFile(join(demoDir, 'allowlist.json'), 'utf8')) as AllowlistFile;
await stack.allowlist.seed(allowlist.keyHashes.map(allowlistEntry));

const surfaces = await startAppSurfaces({ relayUrl, demoDir });
console.log(`
Circle is running on its embedded default (PGlite in ${resolve(config.CIRCLE_DATA_DIR)}).
  Relay:     ${relayUrl}   (health: ${relayUrl}/health)${config.RELAY_PUBLIC_URL ? '' : '\n             RELAY_PUBLIC_URL is not set: the relay answers as this loopback address'}
${surfaces.lines.map((l) => `  ${l}`).join('\n')}
  Headless:  npm run circle -- send --identity ${join(demoDir, 'identity-02.bin')} --to Alice --text "hi Alice"
             npm run circle -- recv --identity ${join(demoDir, 'identity-01.bin')}
Stop with Ctrl+C.`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void surfaces
    .close()
    .then(() => stack.close())
    .then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
