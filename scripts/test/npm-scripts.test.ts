/** package.json starts the relay the way the code says it must be started. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RELAY_NODE_FLAGS } from '../../relay-server/src/node-flags.js';
import { REPO_ROOT } from './run-script.js';

const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('npm scripts', () => {
  it('`npm run relay` starts one Node process with RELAY_NODE_FLAGS, then the tsx loader and the relay entry', () => {
    const start = scripts.relay!.split('&&').at(-1)!.trim();
    expect(start).toBe(['node', ...RELAY_NODE_FLAGS, '--import', 'tsx', 'relay-server/src/main.ts'].join(' '));
  });

  it('RELAY_NODE_FLAGS are flags this Node accepts', () => {
    const run = spawnSync(process.execPath, [...RELAY_NODE_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
