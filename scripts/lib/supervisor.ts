/**
 * Keeps `npm start`'s parts running: each part is its own child process, so a crash in one
 * (an uncaught error, a kill) leaves the others and their connected members alone. A part
 * that stops is restarted with backoff, and the reason is printed in one line. stop() ends
 * every part (SIGTERM, then SIGKILL after a grace period) and resolves once all have exited.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** Waits before restarting a part that stopped; the last repeats. A part up for STABLE_MS starts over at the first. */
export const RESTART_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000];
const STABLE_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** What a part tells the supervisor over IPC. */
export type PartMessage = { type: 'ready'; url: string } | { type: 'failing'; reason: string };

export interface PartSpec {
  name: string;
  /** The part's entry script: a bundle, run with plain `node`. */
  script: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunningPart {
  readonly name: string;
  readonly pid: number | undefined;
  /** Resolves with the URL the part serves once it is first ready. */
  readonly ready: Promise<string>;
}

export interface Supervisor {
  parts: RunningPart[];
  stop(): Promise<void>;
}

const say = (line: string) => process.stderr.write(`start: ${line}\n`);

export function supervise(specs: PartSpec[]): Supervisor {
  let stopping = false;
  const parts = specs.map((spec) => superviseOne(spec, () => stopping));
  return {
    parts: parts.map((p) => p.part),
    stop: async () => {
      stopping = true;
      await Promise.all(parts.map((p) => p.stop()));
    },
  };
}

function superviseOne(spec: PartSpec, stopping: () => boolean) {
  let child: ChildProcess | undefined;
  let attempt = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let markReady!: (url: string) => void;
  const ready = new Promise<string>((resolve) => (markReady = resolve));

  const launch = () => {
    const startedAt = Date.now();
    let reason: string | undefined;
    const c = fork(spec.script, [], { env: { ...process.env, ...spec.env }, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child = c;
    c.on('message', (m: PartMessage) => {
      if (m.type === 'ready') {
        if (attempt > 0) say(`${spec.name} is back (${m.url})`);
        markReady(m.url);
      } else if (m.type === 'failing') reason = m.reason;
    });
    c.on('error', (err) => (reason ??= err.message));
    c.on('exit', (code, signal) => {
      if (child === c) child = undefined;
      if (stopping()) return;
      if (Date.now() - startedAt > STABLE_MS) attempt = 0;
      const delay = RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]!;
      attempt++;
      const why = reason ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
      say(`${spec.name} stopped (${why}); restarting in ${delay / 1000} s`);
      restartTimer = setTimeout(launch, delay);
    });
  };
  launch();

  return {
    part: {
      name: spec.name,
      get pid() {
        return child?.pid;
      },
      ready,
    } satisfies RunningPart,
    stop: async () => {
      clearTimeout(restartTimer);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const kill = setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(kill);
    },
  };
}

/**
 * For a part's own process: reports ready, turns an uncaught error into one line for the
 * supervisor (then exits), and runs `stop` on SIGINT, SIGTERM, or when the supervisor is gone.
 */
export function runAsPart(stop: () => Promise<void>): { ready: (url: string) => void; fail: (err: unknown) => void } {
  const send = (m: PartMessage, then?: () => void) => {
    if (process.send && process.connected) process.send(m, () => then?.());
    else then?.();
  };
  const fail = (err: unknown) => {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const exit = () => process.exit(1);
    setTimeout(exit, 1_000).unref();
    send({ type: 'failing', reason: reason.split('\n')[0]! }, exit);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('disconnect', shutdown); // the supervisor is gone: no orphans
  return { ready: (url) => send({ type: 'ready', url }), fail };
}
