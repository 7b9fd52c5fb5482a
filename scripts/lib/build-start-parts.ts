/**
 * Bundles `npm start`'s part entry points (scripts/start-parts/*.ts) with esbuild, as
 * `npm run relay` does for the relay: a part restarted after a failure then starts with plain
 * `node`, without the tsx loader compiling its sources again, so it answers sooner.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { NODE_BUNDLE } from '../../relay-server/scripts/build-relay.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** Inside the repository, so the bundles find node_modules and prisma/ above them. */
const OUT_DIR = path.join(REPO, 'node_modules', '.cache', 'circle-start');

/** Builds the parts; returns the path of each bundle by part name (`relay`, `app-web`). */
export async function buildStartParts(names: string[]): Promise<Record<string, string>> {
  await esbuild.build({
    ...NODE_BUNDLE,
    entryPoints: Object.fromEntries(names.map((n) => [n, path.join(REPO, 'scripts', 'start-parts', `${n}.ts`)])),
    outdir: OUT_DIR,
  });
  return Object.fromEntries(names.map((n) => [n, path.join(OUT_DIR, `${n}.mjs`)]));
}
