/**
 * Builds the renderer for Electron and for browsers: app.js (UI), core-worker.js (the client
 * core, which holds the keys), and the static index.html, styles.css and favicon.svg, into dist/renderer/.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/renderer`;

export async function buildRenderer(opts: { minify?: boolean } = {}): Promise<string> {
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: { app: `${root}src/renderer/main.ts`, 'core-worker': `${root}src/core/worker-host.ts` },
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120'],
    minify: opts.minify ?? false,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  await copyFile(`${root}src/renderer/index.html`, `${out}/index.html`);
  await copyFile(`${root}src/renderer/styles.css`, `${out}/styles.css`);
  await copyFile(`${root}src/renderer/favicon.svg`, `${out}/favicon.svg`);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = await buildRenderer({ minify: process.argv.includes('--minify') });
  console.log(`renderer built in ${dir}`);
}
