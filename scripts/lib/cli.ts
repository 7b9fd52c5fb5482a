/** Small helpers for operator commands: one-line failures, hidden prompts, argument parsing. */
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { CircleError } from '@circle/protocol';
import { ConfigError } from '@circle/relay-server/config';

/** Prints one line (no stack trace) and exits non-zero. */
export function fail(command: string, message: string, code = 1): never {
  process.stderr.write(`${command}: ${message}\n`);
  process.exit(code);
}

/**
 * Output to a closed pipe (`... | head`) ends the command quietly: the reader has what it
 * wanted, so exit 0 rather than crash with EPIPE.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

/** Runs a command's main, then exits; any error becomes one line on stderr and exit code 1 (2 for configuration). */
export function runCommand(command: string, main: () => Promise<void>): void {
  endQuietlyOnClosedPipe();
  // A finished command ends at once: a pool's idle timer or a socket's linger must not keep it up.
  main().then(
    () => process.exit(),
    (err: unknown) => {
      if (err instanceof ConfigError) fail(command, err.message, 2);
      if (err instanceof CircleError) fail(command, `${err.message} (${err.code})`);
      fail(command, err instanceof Error ? err.message : String(err));
    },
  );
}

export interface CommandSpec<T extends ParseArgsOptionsConfig> {
  options: T;
  /** Printed by --help (exit 0). */
  usage: string;
  /** How many positional arguments the command takes (default none). */
  positionals?: { min: number; max: number; names?: string };
}

/**
 * Parses the command line strictly: `--help` (or `-h`) prints the usage and exits 0 before
 * anything starts; an unknown option or a stray positional argument is refused with one line
 * (exit 2), never ignored.
 */
export function parseCommandArgs<T extends ParseArgsOptionsConfig>(command: string, spec: CommandSpec<T>, argv = process.argv.slice(2)) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${spec.usage}\n`);
    process.exit(0);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
  } catch (err) {
    fail(command, `${printable((err as Error).message.split('\n')[0]!)} (see --help)`, 2);
  }
  const { min, max, names } = spec.positionals ?? { min: 0, max: 0 };
  const got = parsed.positionals;
  if (got.length > max)
    fail(command, `unexpected argument "${printable(got[max]!)}"${max === 0 ? ': this command takes only options' : ''} (see --help)`, 2);
  if (got.length < min) fail(command, `missing ${names ?? 'argument'} (see --help)`, 2);
  return parsed;
}

/** Text from outside (file names, names files) made safe to echo on a terminal: control characters escaped. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
