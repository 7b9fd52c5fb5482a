/**
 * `npm start` for tests: the real scripts/start.ts in its own process group, on free ports and a
 * fresh data folder, with the demo circle's identity files at hand.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './run-script.js';

export interface RunningStart {
  relayUrl: string;
  appUrl: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Demo member n's identity file (1 = Alice, 2 = Bob, ...). */
  identity(n: number): Promise<Uint8Array>;
  /** Waits until the output holds `text` (from `from` on). */
  waitForOutput(text: string | RegExp, timeoutMs?: number, from?: number): Promise<void>;
  /** The pid of the part built from scripts/start-parts/<script>.ts, if it runs. */
  partPid(script: string): number | undefined;
  /** Pids of every process still in npm start's process group. */
  groupPids(): number[];
  /** Ctrl+C, as a terminal sends it: SIGINT to the whole process group. Resolves with the exit code. */
  interrupt(): Promise<number | null>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export async function startNpmStart(env: Record<string, string> = {}): Promise<RunningStart> {
  const dataDir = await mkdtemp(join(tmpdir(), 'circle-start-'));
  const [port, appPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), APP_WEB_PORT: String(appPort), CIRCLE_DATA_DIR: dataDir, CIRCLE_NO_ELECTRON: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, like a terminal's foreground job
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const waitForOutput = async (text: string | RegExp, timeoutMs = 120_000, from = 0) => {
    const deadline = Date.now() + timeoutMs;
    const found = () => (typeof text === 'string' ? out.indexOf(text, from) >= 0 : text.test(out.slice(from)));
    while (!found()) {
      if (gone) throw new Error(`npm start exited while waiting for ${String(text)}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const interrupt = async () => {
    signalGroup('SIGINT');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const psLines = (args: string[]) => {
    try {
      return execFileSync('ps', [...args, '-o', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
    } catch {
      return []; // ps exits 1 when nothing matches
    }
  };
  await waitForOutput('Stop with Ctrl+C.');
  return {
    relayUrl: `http://localhost:${port}`,
    appUrl: `http://localhost:${appPort}`,
    dataDir,
    child,
    output: () => out,
    identity: (n) => readFile(join(dataDir, 'demo-circle', `identity-${String(n).padStart(2, '0')}.bin`)),
    waitForOutput,
    interrupt,
    partPid: (script) => {
      const line = psLines(['--ppid', String(child.pid)]).find((l) => l.includes(`circle-start/${script}.mjs`));
      return line ? Number.parseInt(line.trim(), 10) : undefined;
    },
    groupPids: () => psLines(['-g', String(child.pid)]).map((l) => Number.parseInt(l.trim(), 10)),
    stop: async () => {
      if (!gone) await interrupt();
      signalGroup('SIGKILL'); // anything left in the group
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
