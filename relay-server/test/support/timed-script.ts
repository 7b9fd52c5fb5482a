/**
 * Runs an operator script like scripts/test/run-script.ts does (tsx, from the repo root), and
 * also measures how long the process lives on after its last output: a finished command
 * that lingers (an open handle, a forgotten timer) looks hung to the operator.
 */
import { spawn } from 'node:child_process';
import type { ScriptResult } from '../../../scripts/test/run-script.js';
import { REPO_ROOT } from './relay-process.js';

export interface TimedScriptResult extends ScriptResult {
  /** Milliseconds from the last byte written to stdout/stderr until the process exited. */
  lingerMs: number;
}

export function runScriptTimed(
  name: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<TimedScriptResult> {
  return new Promise((resolve, reject) => {
    // `node --import tsx`, one process: the tsx binary's wrapper would add its own exit delay, and a
    // timeout's SIGKILL would reach only the wrapper.
    const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let lastOutput = Date.now();
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      lastOutput = Date.now();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      lastOutput = Date.now();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, lingerMs: Date.now() - lastOutput });
    });
  });
}
