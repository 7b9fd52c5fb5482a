/**
 * npm start: Circle on its embedded default. Checks the configuration, builds the app, then
 * supervises its parts, each in its own process: the relay (embedded PGlite, expiry sweeper
 * in-process, demo circle made on first run in .circle/demo-circle/) and the app's web server.
 * A part that fails is restarted with backoff (scripts/lib/supervisor.ts); Ctrl+C stops them all.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '@circle/relay-server';
import { AppWebEnv, exitOnConfigError, parseEnv } from '@circle/relay-server/config';
import { fail } from './lib/cli.js';
import { openElectronIfInstalled, pickAppWebPort } from './lib/app-surfaces.js';
import { supervise, type PartSpec } from './lib/supervisor.js';
import { buildRenderer } from '../desktop-app/scripts/build-renderer.js';
import { buildStartParts } from './lib/build-start-parts.js';

if (existsSync('.env')) process.loadEnvFile('.env');
let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  fail('start', err instanceof ConfigError ? err.message : String(err), 2);
}

const appWebEnv = exitOnConfigError('start', () => parseEnv(AppWebEnv, process.env));

const [rendererDir, bundles] = await Promise.all([buildRenderer(), buildStartParts(['relay', 'app-web'])]);
const appWebPort = await pickAppWebPort(appWebEnv.APP_WEB_PORT);
const specs: PartSpec[] = [
  { name: 'relay', script: bundles.relay! },
  {
    name: 'app web server',
    script: bundles['app-web']!,
    env: { CIRCLE_RENDERER_DIR: rendererDir, APP_WEB_PORT: String(appWebPort) },
  },
];
const supervisor = supervise(specs);

let stopping = false;
const electron = { close: () => undefined as void };
const stop = () => {
  if (stopping) return;
  stopping = true;
  electron.close();
  void supervisor.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const [relayUrl, appUrl] = await Promise.all(supervisor.parts.slice(0, 2).map((p) => p.ready));
const demoDir = resolve(config.CIRCLE_DATA_DIR, 'demo-circle');
const desktop = openElectronIfInstalled();
electron.close = desktop.close;
console.log(`
Circle is running on its embedded default (PGlite in ${resolve(config.CIRCLE_DATA_DIR)}).
  Relay:     ${relayUrl}   (health: ${relayUrl}/health)${config.RELAY_PUBLIC_URL ? '' : '\n             RELAY_PUBLIC_URL is not set: the relay answers as this loopback address'}
  App:       ${appUrl}   (open in Chromium, then open an identity file:)
             Alice ${join(demoDir, 'identity-01.bin')}, Bob identity-02.bin, Carol identity-03.bin, Dave identity-04.bin
  ${desktop.line}
  Headless:  npm run circle -- send --identity ${join(demoDir, 'identity-02.bin')} --to Alice --text "hi Alice"
             npm run circle -- recv --identity ${join(demoDir, 'identity-01.bin')}
A part that fails is restarted on its own. Stop with Ctrl+C.`);
