/**
 * Starts the built desktop app in Electron, or says plainly why it cannot.
 *
 * We do not `require('electron')` to find the binary: when the binary is missing, that call
 * tries to download it (and fails here, where only the npm registry is reachable). Instead we
 * read the path the electron package records (`path.txt` -> `dist/<binary>`), as it does.
 *
 * Usage: tsx desktop-app/scripts/launch-electron.ts [--check] [-- extra electron args]
 *   --check  only report whether Electron's binary is present (exit 0 / 1), e.g. before a build
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MISSING_BINARY_MESSAGE = "Electron's binary is not installed here; use `npm run app:web`";
const BUILT_FILES = ['dist/main.cjs', 'dist/preload.cjs', 'dist/renderer/index.html'] as const;

/** Absolute path of an installed Electron executable, or null when there is none. */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(path.join(APP_DIR, 'package.json')).resolve('electron/package.json'));
  } catch {
    return null;
  }
  let relative = '';
  try {
    relative = readFileSync(path.join(packageDir, 'path.txt'), 'utf8').trim();
  } catch {
    // No path.txt: the package's install step never completed.
  }
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? path.join(override, relative || 'electron') : relative ? path.join(packageDir, 'dist', relative) : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

/** Built files the app needs that are missing (relative to desktop-app/). */
export function missingBuildFiles(appDir: string = APP_DIR): string[] {
  return BUILT_FILES.filter((file) => !existsSync(path.join(appDir, file)));
}

function run(argv: string[]): void {
  const binary = findElectronBinary();
  if (!binary) {
    console.error(MISSING_BINARY_MESSAGE);
    process.exit(1);
  }
  if (argv.includes('--check')) {
    console.log(`Electron: ${binary}`);
    return;
  }
  const missing = missingBuildFiles();
  if (missing.length > 0) {
    console.error(`The app is not built (missing ${missing.join(', ')}); build the renderer and run build-electron first.`);
    process.exit(1);
  }
  const extra = argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : [];
  // Never let an inherited ELECTRON_RUN_AS_NODE turn the app into a plain Node process.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, [APP_DIR, ...extra], { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => process.on(signal, () => child.kill(signal));
  forward('SIGINT');
  forward('SIGTERM');
  child.on('error', (err) => {
    console.error(`Could not start Electron: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) run(process.argv.slice(2));
