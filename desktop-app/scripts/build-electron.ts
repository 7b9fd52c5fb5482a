/**
 * Bundles the Electron main process and preload with esbuild:
 *   src/main/main.ts       -> dist/main.cjs
 *   src/preload/preload.ts -> dist/preload.cjs
 * Both CommonJS for Node, `electron` left external. The preload runs sandboxed, where only
 * `require('electron')` exists, so the build fails if it needs anything else.
 *
 * Usage: tsx desktop-app/scripts/build-electron.ts [--dev]   (--dev: inline source maps)
 * Not minified: the shipped main process stays readable for anyone auditing it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { CHANNELS, EXTERNAL_SCHEMES, MAX_SAVE_BYTES } from '../src/shared/bridge.js';

const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO_DIR = path.resolve(APP_DIR, '..');
const DIST_DIR = path.join(APP_DIR, 'dist');
/** Electron 45 runs Node 22 in main and Chromium 142 in the preload. */
const TARGETS = { main: 'node22', preload: 'chrome142' } as const;

/** Our own sources (protocol, shared contract) do nothing on import: let esbuild drop modules we do not use. */
const ownSourcesAreSideEffectFree: esbuild.Plugin = {
  name: 'own-sources-side-effect-free',
  setup(build) {
    const ownSource = /[\\/](protocol[\\/]src|desktop-app[\\/]src[\\/]shared)[\\/]/;
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'inner' || args.kind === 'entry-point') return undefined;
      const result = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'inner',
      });
      if (result.errors.length > 0 || result.external || !ownSource.test(result.path)) return result;
      return { ...result, sideEffects: false };
    });
  },
};

/**
 * The preload needs only the bridge's constants, not its zod schemas (main parses the
 * arguments). Serve it the constants, taken from the real module, so the list stays one list.
 */
const bridgeConstantsOnly: esbuild.Plugin = {
  name: 'bridge-constants-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]desktop-app[\\/]src[\\/]shared[\\/]bridge\.ts$/ }, () => ({
      loader: 'ts',
      contents: [
        `export const CHANNELS = ${JSON.stringify(CHANNELS)};`,
        `export const EXTERNAL_SCHEMES = ${JSON.stringify(EXTERNAL_SCHEMES)};`,
        `export const MAX_SAVE_BYTES = ${JSON.stringify(MAX_SAVE_BYTES)};`,
      ].join('\n'),
    }));
  },
};

function externalImports(metafile: esbuild.Metafile): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) for (const imp of output.imports) if (imp.external) found.add(imp.path);
  return [...found].sort();
}

export interface BuildElectronOptions {
  /** Inline source maps. */
  dev?: boolean;
  /** Where main.cjs and preload.cjs go; desktop-app/dist by default. */
  outDir?: string;
}

export async function buildElectron({ dev = false, outDir = DIST_DIR }: BuildElectronOptions = {}): Promise<void> {
  const common: esbuild.BuildOptions = {
    bundle: true,
    format: 'cjs',
    platform: 'node',
    external: ['electron'],
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
    sourcemap: dev ? 'inline' : false,
    absWorkingDir: REPO_DIR,
    define: {
      'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production'),
      // main/build-age.ts warns when the install is old (Circle does not update itself yet).
      CIRCLE_BUILT_AT: JSON.stringify(new Date().toISOString()),
    },
  };
  const [mainResult, preloadResult] = await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [path.join(APP_DIR, 'src/main/main.ts')],
      outfile: path.join(outDir, 'main.cjs'),
      target: TARGETS.main,
      plugins: [ownSourcesAreSideEffectFree],
    }),
    esbuild.build({
      ...common,
      entryPoints: [path.join(APP_DIR, 'src/preload/preload.ts')],
      outfile: path.join(outDir, 'preload.cjs'),
      target: TARGETS.preload,
      plugins: [bridgeConstantsOnly, ownSourcesAreSideEffectFree],
    }),
  ]);

  const preloadExternals = externalImports(preloadResult.metafile!);
  if (preloadExternals.some((name) => name !== 'electron')) {
    throw new Error(`the sandboxed preload may only require('electron'), but it needs: ${preloadExternals.join(', ')}`);
  }
  const size = (result: esbuild.BuildResult) => Object.values(result.metafile!.outputs).reduce((n, o) => n + o.bytes, 0);
  const shown = path.relative(APP_DIR, outDir) || '.';
  console.log(
    `built ${shown}/main.cjs (${Math.round(size(mainResult) / 1024)} KiB) and ${shown}/preload.cjs (${Math.round(size(preloadResult) / 1024)} KiB)`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildElectron({ dev: process.argv.includes('--dev') }).catch((err: unknown) => {
    console.error(`build-electron: ${(err as Error).message}`);
    process.exit(1);
  });
}
