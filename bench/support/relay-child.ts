/**
 * Runs a server for a benchmark in a child process the way `npm run relay` runs the relay:
 * `node RELAY_NODE_FLAGS --import tsx`, so that the pid is the server's own Node process and
 * its CPU time and memory are read from /proc. The bare forwarder gets the same flags: the two
 * servers differ only in what they do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RELAY_NODE_FLAGS } from '../../relay-server/src/node-flags.js';
import { cpuMsOf, memoryOf } from './proc.js';

export interface ServerChild {
  pid: number;
  port: number;
  /** http://localhost:<port>: the origin members sign their challenge for. */
  url: string;
  /** Resident set size of the process, MiB (VmRSS), and its peak so far (VmHWM). */
  memory(): { rssMiB: number; peakMiB: number };
  /** CPU time (user + system) the process has used so far, ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const entry = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** The relay stack (bench/support/relay-process.ts) with `env` on top of DATABASE_URL-style config. */
export const spawnRelay = (env: Record<string, string>) => spawnServer(entry('relay-process.ts'), env);

/** The bare Socket.IO forwarder (bench/support/bare-forwarder.ts). */
export const spawnBareForwarder = () => spawnServer(entry('bare-forwarder.ts'), {});

async function spawnServer(script: string, env: Record<string, string>): Promise<ServerChild> {
  const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, '--import', 'tsx', script], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If the bench dies, the server must not outlive it.
  const killNow = () => child.kill('SIGKILL');
  process.once('exit', killNow);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    const port = await waitReady(child, () => stderr);
    return {
      pid: child.pid!,
      port,
      url: `http://localhost:${port}`,
      memory: () => memoryOf(child.pid!),
      cpuMs: () => cpuMsOf(child.pid!),
      stop: async () => {
        process.off('exit', killNow);
        await stopChild(child);
      },
    };
  } catch (err) {
    process.off('exit', killNow);
    await stopChild(child);
    throw err;
  }
}

function waitReady(child: ChildProcess, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server process not ready in ${READY_TIMEOUT_MS} ms\n${stderr()}`)), READY_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited (${code}) before it was ready\n${stderr()}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
