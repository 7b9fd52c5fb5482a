/**
 * What `npm start` opens for members: the app in browser mode on loopback, and the Electron
 * app for the first demo member when an Electron binary is installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { findElectronBinary } from '../../desktop-app/scripts/launch-electron.js';
import { buildRenderer } from '../../desktop-app/scripts/build-renderer.js';
import { serveRenderer } from '../../desktop-app/src/web/serve-renderer.js';

export async function startAppSurfaces(opts: { relayUrl: string; demoDir: string }): Promise<{ lines: string[]; close(): Promise<void> }> {
  const dir = await buildRenderer();
  const port = Number(process.env.APP_WEB_PORT ?? 5180);
  const web = await serveRenderer(dir, port).catch(() => serveRenderer(dir, 0));
  const lines = [
    `App:       ${web.url}   (open in Chromium, then open an identity file:)`,
    `           Alice ${join(opts.demoDir, 'identity-01.bin')}, Bob identity-02.bin, Carol identity-03.bin, Dave identity-04.bin`,
  ];
  let electron: ChildProcess | undefined;
  // findElectronBinary reads electron's path.txt: unlike require('electron') it never tries a download.
  if (findElectronBinary() && process.env.CIRCLE_NO_ELECTRON !== '1') {
    electron = spawn('npm', ['run', 'app'], { stdio: 'ignore', detached: false });
    lines.push('Desktop:   the Circle window opened; choose identity-01.bin (Alice) in it.');
  } else {
    lines.push('Desktop:   Electron is not installed here, so the app runs in the browser (npm run app where it is).');
  }
  return {
    lines,
    close: async () => {
      electron?.kill();
      await web.close();
    },
  };
}
