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
import { fileURLToPath } from 'node:url';
import { RELAY_NODE_FLAGS } from '../../src/node-flags.js';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface RelayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A Node child process of a test: the relay, or the worker. */
export interface NodeProcess {
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

export interface RelayProcess extends NodeProcess {
  url: string;
  port: number;
}

/** The relay from source; the bundle `npm run relay` starts is `[RELAY_ENTRY]` (build-relay.ts). */
const RELAY_FROM_SOURCE = ['--import', 'tsx', 'relay-server/src/main.ts'];

export interface SpawnRelayOptions {
  port: number;
  /** Added to a minimal environment: PORT, RELAY_PUBLIC_URL, LOG_LEVEL are set unless given here. */
  env?: Record<string, string>;
  /** What `node RELAY_NODE_FLAGS` runs; the source entry by default. */
  entry?: string[];
  startTimeoutMs?: number;
}

/**
 * Starts `node ...args` in the repository root with a minimal environment plus `env`. A test
 * run that dies before its afterAll does not leave the process behind.
 */
export function spawnNode(args: string[], env: Record<string, string>): NodeProcess {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
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
  return {
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
}

/** Starts the relay on `port` and resolves once GET /health answers 200. */
export async function spawnRelay(opts: SpawnRelayOptions): Promise<RelayProcess> {
  const url = `http://localhost:${opts.port}`;
  const proc = spawnNode([...RELAY_NODE_FLAGS, ...(opts.entry ?? RELAY_FROM_SOURCE)], {
    PORT: String(opts.port),
    RELAY_PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
  let gone: RelayExit | undefined;
  void proc.exited.then((e) => (gone = e));
  try {
    await waitForHealth(url, () => gone, opts.startTimeoutMs ?? 30_000);
  } catch (err) {
    await proc.kill();
    throw new Error(`${(err as Error).message}\n--- relay output ---\n${proc.output().slice(-3000)}`, { cause: err });
  }
  return { ...proc, url, port: opts.port };
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
