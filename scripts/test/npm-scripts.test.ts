/** package.json starts the relay the way the code says it must be started. */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
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

describe('every npm run entry point works on a fresh clone', () => {
  const GENERATE = 'tsx scripts/db-generate.ts';
  const entries = Object.entries(scripts).flatMap(([name, command]) =>
    command
      .split('&&')
      .map((s) => s.trim())
      .filter((s) => /^tsx \S+\.ts\b/.test(s))
      .map((step) => ({ name, command, entry: step.split(/\s+/)[1]! })),
  );

  // The Prisma client is generated, not committed: a script whose code reaches it must generate it first.
  it.each(entries.filter((e) => e.entry !== 'scripts/db-generate.ts'))('`npm run $name` ($entry)', async ({ command, entry }) => {
    const { metafile } = await build({
      // bench/run.ts imports the benchmark it is asked for at run time: every one of them counts.
      entryPoints:
        entry === 'bench/run.ts'
          ? readdirSync(join(REPO_ROOT, 'bench'))
              .filter((f) => f.endsWith('.ts'))
              .map((f) => join(REPO_ROOT, 'bench', f))
          : [join(REPO_ROOT, entry)],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      outdir: 'out',
      logLevel: 'silent',
      plugins: [
        {
          name: 'packages-external',
          setup: (b) =>
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('@circle/') ? undefined : { path: args.path, external: true },
            ),
        },
        {
          // The generated client may be absent (that is the fresh clone): note it, do not fail the bundle.
          name: 'generated-client',
          setup: (b) => {
            b.onResolve({ filter: /generated\/client\.js$/ }, () => ({ path: 'prisma-generated-client', namespace: 'generated' }));
            b.onLoad({ filter: /.*/, namespace: 'generated' }, () => ({ contents: 'module.exports = {}', loader: 'js' }));
          },
        },
      ],
    }).catch(() => ({ metafile: undefined }));
    expect(metafile, `${entry} bundles`).toBeDefined();
    const needsClient = Object.keys(metafile!.inputs).some((input) => input.includes('prisma-generated-client'));
    if (needsClient) expect(command.startsWith(`${GENERATE} &&`), `${command} must start with ${GENERATE}`).toBe(true);
  });
});
