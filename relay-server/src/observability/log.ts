/**
 * Operator logs: JSON lines about the relay, never about members. Every line passes a
 * redaction step that removes anything shaped like a key, key hash, mailbox, id or IP address.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const REDACTIONS: [RegExp, string][] = [
  [/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g, '[id]'],
  [/\b[0-9a-fA-F]{16,}\b/g, '[hex]'],
  [/[A-Za-z0-9_-]{40,}={0,2}/g, '[b64]'],
  [/\b\d{1,3}(\.\d{1,3}){3}\b/g, '[ip]'],
  [/\b([0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\b/g, '[ip]'],
];

/** Removes member-identifying values from a log line. */
export function redact(line: string): string {
  return REDACTIONS.reduce((s, [re, sub]) => s.replace(re, sub), line);
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < LEVELS[level]) return;
    // The timestamp and level are ours; everything else passes redaction.
    const rest = redact(JSON.stringify({ msg, ...fields })).slice(1);
    write(`{"t":"${new Date().toISOString()}","level":"${lvl}",${rest}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
