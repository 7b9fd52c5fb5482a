/**
 * The relay as a real child process (`relay-server/src/main.ts`, the entry `npm run relay`
 * bundles; relay-bundle.test.ts runs the bundle itself), for tests that kill it, restart it,
 * or run several side by side.
 *
 * It runs from source as `node RELAY_NODE_FLAGS --import tsx main.ts`, one process. The `tsx`
 * binary would start the relay as a grandchild and relay signals to it: SIGKILL cannot be
 * relayed, so killing the wrapper would leave the real relay running (and holding its port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { RELAY_NODE_FLAGS } from '../../src/node-flags.js';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface RelayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RelayProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Resolves once the process has exited, with its exit code or the signal that ended it. */
  exited: Promise<RelayExit>;
  /** Everything the process wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** SIGKILL: no shutdown handler runs, in-flight requests die with the process. */
  kill(): Promise<RelayExit>;
  /** SIGTERM (graceful), then SIGKILL if it lingers; safe to call when already gone. */
  stop(): Promise<RelayExit>;
}

/** A loopback port that was free a moment ago (the relay binds it next). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

export interface SpawnRelayOptions {
  port: number;
  /** Added to a minimal environment: PORT, RELAY_PUBLIC_URL, LOG_LEVEL are set unless given here. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

/** Starts main.ts on `port` and resolves once GET /health answers 200. */
export async function spawnRelay(opts: SpawnRelayOptions): Promise<RelayProcess> {
  const url = `http://localhost:${opts.port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    PORT: String(opts.port),
    RELAY_PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, '--import', 'tsx', 'relay-server/src/main.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  // A test run that dies before its afterAll must not leave a relay behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<RelayExit>((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve({ code, signal });
    });
  });
  let gone: RelayExit | undefined;
  void exited.then((e) => (gone = e));

  const relay: RelayProcess = {
    url,
    port: opts.port,
    pid: child.pid!,
    child,
    exited,
    output: () => output,
    kill: async () => {
      if (!gone) child.kill('SIGKILL');
      return exited;
    },
    stop: async () => {
      if (gone) return gone;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };

  try {
    await waitForHealth(url, () => gone, opts.startTimeoutMs ?? 30_000);
  } catch (err) {
    await relay.kill();
    throw new Error(`${(err as Error).message}\n--- relay output ---\n${output.slice(-3000)}`, { cause: err });
  }
  return relay;
}

async function waitForHealth(url: string, exitedWith: () => RelayExit | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exit = exitedWith();
    if (exit) throw new Error(`the relay exited before it was healthy (code ${exit.code}, signal ${exit.signal})`);
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the relay at ${url} was not healthy within ${timeoutMs} ms`);
}
