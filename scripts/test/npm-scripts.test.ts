/** package.json starts the relay the way the code says it must be started. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RELAY_NODE_FLAGS } from '../../relay-server/src/node-flags.js';
import { REPO_ROOT } from './run-script.js';

const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('npm scripts', () => {
  it('`npm run relay` builds the relay, then starts the bundle in one Node process with RELAY_NODE_FLAGS', () => {
    const steps = scripts.relay!.split('&&').map((s) => s.trim());
    expect(steps.at(-2)).toBe('tsx relay-server/scripts/build-relay.ts');
    expect(steps.at(-1)).toBe(['node', ...RELAY_NODE_FLAGS, 'relay-server/dist/main.mjs'].join(' '));
  });

  it('`npm run relay:build` then `npm run relay:start` is `npm run relay` split in two, so N nodes start from one build', () => {
    const steps = scripts.relay!.split('&&').map((s) => s.trim());
    expect(scripts['relay:build']!.split('&&').map((s) => s.trim())).toEqual(steps.slice(0, -1));
    expect(scripts['relay:start']).toBe(steps.at(-1));
  });

  it('`npm run worker` builds the relay, then starts the worker bundle', () => {
    const steps = scripts.worker!.split('&&').map((s) => s.trim());
    expect(steps.slice(-2)).toEqual(['tsx relay-server/scripts/build-relay.ts', 'node relay-server/dist/worker.mjs']);
  });

  it('RELAY_NODE_FLAGS are flags this Node accepts', () => {
    const run = spawnSync(process.execPath, [...RELAY_NODE_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
