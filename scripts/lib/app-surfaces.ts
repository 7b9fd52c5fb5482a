/**
 * What `npm start` opens for members besides the relay: the port of the app in browser mode
 * on loopback, and the Electron app for the first demo member when an Electron binary is installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { findElectronBinary } from '../../desktop-app/scripts/launch-electron.js';

/** `preferred` when it is free on loopback, otherwise a free port; chosen once, so a restarted web server keeps it. */
export async function pickAppWebPort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(undefined));
      probe.listen(port, '127.0.0.1', () => {
        const actual = (probe.address() as { port: number }).port;
        probe.close(() => resolve(actual));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

export function openElectronIfInstalled(): { line: string; close: () => void } {
  // findElectronBinary reads electron's path.txt: unlike require('electron') it never tries a download.
  if (!findElectronBinary() || process.env.CIRCLE_NO_ELECTRON === '1')
    return {
      line: 'Desktop:   Electron is not installed here, so the app runs in the browser (npm run app where it is).',
      close: () => undefined,
    };
  const electron: ChildProcess = spawn('npm', ['run', 'app'], { stdio: 'ignore', detached: false });
  return { line: 'Desktop:   the Circle window opened; choose identity-01.bin (Alice) in it.', close: () => void electron.kill() };
}
