/** Small helpers for operator commands: one-line failures, hidden prompts, argument parsing. */
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CircleError } from '@circle/protocol';

/** Prints one line (no stack trace) and exits non-zero. */
export function fail(command: string, message: string, code = 1): never {
  process.stderr.write(`${command}: ${message}\n`);
  process.exit(code);
}

/** Runs a command's main; any error becomes one line on stderr and exit code 1. */
export function runCommand(command: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof CircleError) fail(command, `${err.message} (${err.code})`);
    fail(command, err instanceof Error ? err.message : String(err));
  });
}

export function parseCommandArgs<T extends ParseArgsConfig['options']>(command: string, options: T, argv = process.argv.slice(2)) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    fail(command, `${(err as Error).message}`, 2);
  }
}

let stdinLines: AsyncIterableIterator<string> | undefined;

/** Reads a secret: hidden on a terminal; one line of standard input when piped (for scripting). */
export async function promptSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    stdinLines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
    const next = await stdinLines.next();
    if (next.done) throw new Error('expected a passphrase on standard input');
    return next.value;
  }
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          return reject(new Error('cancelled'));
        }
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
