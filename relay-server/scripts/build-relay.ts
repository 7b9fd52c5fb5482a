/**
 * Bundles the relay's two entry points with esbuild, for `npm run relay` and `npm run worker`:
 *   src/main.ts        -> dist/main.mjs
 *   src/worker/main.ts -> dist/worker.mjs
 * Our own TypeScript (relay, protocol, the generated Prisma client) is bundled; packages from
 * node_modules stay external and load from there. Running the bundle with plain `node`
 * instead of through the tsx loader saves the loader's thread and source maps: about 85 MiB
 * of resident memory for the same relay. Not minified, so a stack trace names real functions.
 *
 * Each file is written beside its place and renamed into it, so builds that overlap (several
 * `npm run relay` from one checkout) never leave a half-written file for a starting node to
 * load: for a cluster, build once (`npm run relay:build`) and start each node with
 * `npm run relay:start`.
 *
 * Usage: tsx relay-server/scripts/build-relay.ts
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const RELAY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RELAY_DIST = path.join(RELAY_DIR, 'dist');
export const RELAY_ENTRY = path.join(RELAY_DIST, 'main.mjs');
export const WORKER_ENTRY = path.join(RELAY_DIST, 'worker.mjs');

/** Bare imports (`pg`, `socket.io`, `@prisma/...`) stay imports; our workspace packages are bundled. */
const packagesExternal: esbuild.Plugin = {
  name: 'packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@circle/') || args.path.startsWith('node:') ? undefined : { path: args.path, external: true },
    );
  },
};

/** How our Node entry points are bundled: ESM split into shared chunks, packages left external. */
export const NODE_BUNDLE: esbuild.BuildOptions = {
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [packagesExternal],
  logLevel: 'warning',
};

export async function buildRelay(): Promise<void> {
  const { outputFiles } = await esbuild.build({
    ...NODE_BUNDLE,
    write: false,
    entryPoints: { main: path.join(RELAY_DIR, 'src', 'main.ts'), worker: path.join(RELAY_DIR, 'src', 'worker', 'main.ts') },
    outdir: RELAY_DIST,
  });
  for (const file of outputFiles) {
    await mkdir(path.dirname(file.path), { recursive: true });
    const partial = `${file.path}.${process.pid}.partial`;
    await writeFile(partial, file.contents);
    await rename(partial, file.path);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildRelay();
