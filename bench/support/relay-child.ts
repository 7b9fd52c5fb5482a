/**
 * Runs a server for a benchmark in its own Node process, so that its CPU time and memory are
 * read from /proc: the relay as `npm run relay` runs it (the bundle from build-relay.ts under
 * `node RELAY_NODE_FLAGS`), and the bare forwarder under the same flags through tsx (the
 * loader costs memory, not CPU per message).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { RELAY_ENTRY, buildRelay } from '../../relay-server/scripts/build-relay.js';
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
/** The relay's own start-up log line (LOG_LEVEL=info logs only start and stop). */
const RELAY_LISTENING = /"msg":"relay listening","port":(\d+)/;
const FORWARDER_READY = /ready (\d+)/;
let built: Promise<void> | undefined;

/** The relay with `env` on top of PORT=0, HOST=127.0.0.1; built once per bench run. */
export async function spawnRelay(env: Record<string, string>): Promise<ServerChild> {
  await (built ??= buildRelay());
  // cwd elsewhere: the relay must not pick up a developer's .env from the repository.
  return spawnServer([RELAY_ENTRY], { LOG_LEVEL: 'info', ...env }, RELAY_LISTENING, tmpdir());
}

/** The bare Socket.IO forwarder (bench/support/bare-forwarder.ts). */
export const spawnBareForwarder = () =>
  spawnServer(['--import', 'tsx', fileURLToPath(new URL('./bare-forwarder.ts', import.meta.url))], {}, FORWARDER_READY);

async function spawnServer(args: string[], env: Record<string, string>, ready: RegExp, cwd = process.cwd()): Promise<ServerChild> {
  const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, ...args], {
    cwd,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If the bench dies, the server must not outlive it.
  const killNow = () => child.kill('SIGKILL');
  process.once('exit', killNow);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    const port = await waitReady(child, ready, () => stderr);
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

function waitReady(child: ChildProcess, ready: RegExp, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server process not ready in ${READY_TIMEOUT_MS} ms\n${stderr()}`)), READY_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (!m) return;
      clearTimeout(timer);
      // Keep draining the pipe (a full pipe would stall the server) without keeping the text.
      child.stdout!.off('data', onData).on('data', () => undefined);
      resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
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
