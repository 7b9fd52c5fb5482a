/**
 * Configuration from the environment (and `.env`), validated at start by every entry point
 * (relay, worker, npm start, seed, revoke, app:web) with the same rules. A bad value stops the
 * process with one line naming the variable, what it must be and an example, never a stack trace.
 * Imported as `@circle/relay-server/config` where the whole relay is not wanted (it is light).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { isLoopbackHost, normalizeRelayUrl } from '@circle/protocol';

/** Whole numbers in a range; an empty, fractional or out-of-range value gets the range back. */
export const intVar = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string({ message })
    .regex(/^\s*-?\d+\s*$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
};
const bool = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

/** PostgreSQL only: an empty value or another database's URL is refused, never taken as "embedded". */
export const databaseUrlVar = z
  .string()
  .min(1, 'is empty: set a postgres:// URL, or leave the variable out for the embedded database')
  .regex(/^postgres(ql)?:\/\/[^/\s]+/, 'must be a PostgreSQL URL starting with postgres:// or postgresql://');

export const ConfigSchema = z.object({
  PORT: intVar(0, 65535).default(4000),
  HOST: z.string().min(1, 'is empty').default('127.0.0.1'),
  RELAY_PUBLIC_URL: z.string().optional(),
  /** Lets RELAY_PUBLIC_URL be plain http:// for a host that is not loopback. */
  RELAY_INSECURE_HTTP: bool.default(false),
  DATABASE_URL: databaseUrlVar.optional(),
  CIRCLE_DATA_DIR: z.string().min(1, 'is empty').default('./.circle'),
  AUTH_TIMEOUT_MS: intVar(500, 120_000).default(10_000),
  RATE_LIMIT_BLOBS_PER_MINUTE: intVar(1, 1_000_000).default(1200),
  RATE_LIMIT_BURST: intVar(1, 1_000_000).default(4000),
  MAILBOX_QUOTA_MB: intVar(1, 1_000_000).default(1024),
  MAX_SOCKETS_PER_MEMBER: intVar(1, 64).default(6),
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters (openssl rand -hex 32)').optional(),
  METRICS_PORT: intVar(1, 65535).optional(),
  SWEEP_INTERVAL_MS: intVar(100, 86_400_000).default(60_000),
  SWEEP_BATCH: intVar(1, 100_000).default(500),
  WORKER_IN_PROCESS: bool.default(true),
  TURN_SECRET: z.string().min(16, 'must be at least 16 characters (use a long random string)').optional(),
  TURN_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((urls) => urls.length > 0 && urls.every((u) => /^turns?:[^\s]+$/.test(u)), {
      message: 'must be a comma-separated list of turn: or turns: URLs',
    })
    .optional(),
  TURN_TTL_SECONDS: intVar(60, 3600).default(300),
  RELAY_CLUSTER: z.enum(['none', 'postgres'], { message: 'must be none or postgres' }).default('none'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], { message: 'must be debug, info, warn or error' }).default('info'),
});

export type RelayConfig = z.infer<typeof ConfigSchema>;

/** The app's web server (npm run app:web, npm start): loopback port of browser mode. */
export const AppWebEnv = z.object({ APP_WEB_PORT: intVar(0, 65535).default(5180) });

/** One example per variable, for the one-line errors. */
export const CONFIG_EXAMPLES: Record<string, string> = {
  PORT: 'PORT=4000',
  HOST: 'HOST=127.0.0.1',
  RELAY_PUBLIC_URL: 'RELAY_PUBLIC_URL=https://relay.example.org',
  RELAY_INSECURE_HTTP: 'RELAY_INSECURE_HTTP=false',
  DATABASE_URL: 'DATABASE_URL=postgresql://circle:PASSWORD@127.0.0.1:5432/circle',
  CIRCLE_DATA_DIR: 'CIRCLE_DATA_DIR=./.circle',
  AUTH_TIMEOUT_MS: 'AUTH_TIMEOUT_MS=10000',
  RATE_LIMIT_BLOBS_PER_MINUTE: 'RATE_LIMIT_BLOBS_PER_MINUTE=1200',
  RATE_LIMIT_BURST: 'RATE_LIMIT_BURST=4000',
  MAILBOX_QUOTA_MB: 'MAILBOX_QUOTA_MB=1024',
  MAX_SOCKETS_PER_MEMBER: 'MAX_SOCKETS_PER_MEMBER=6',
  METRICS_TOKEN: 'METRICS_TOKEN=<openssl rand -hex 32>',
  METRICS_PORT: 'METRICS_PORT=9464',
  SWEEP_INTERVAL_MS: 'SWEEP_INTERVAL_MS=60000',
  SWEEP_BATCH: 'SWEEP_BATCH=500',
  WORKER_IN_PROCESS: 'WORKER_IN_PROCESS=true',
  TURN_SECRET: 'TURN_SECRET=<openssl rand -hex 32>',
  TURN_URLS: 'TURN_URLS=turns:turn.example.org:443?transport=tcp',
  TURN_TTL_SECONDS: 'TURN_TTL_SECONDS=300',
  RELAY_CLUSTER: 'RELAY_CLUSTER=postgres',
  LOG_LEVEL: 'LOG_LEVEL=info',
  APP_WEB_PORT: 'APP_WEB_PORT=5180',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** `invalid NAME: problem, e.g. NAME=example`: the one shape of every configuration error. */
export function configProblem(variable: string, problem: string): ConfigError {
  const example = CONFIG_EXAMPLES[variable];
  return new ConfigError(`invalid ${variable}: ${problem}${example ? `, e.g. ${example}` : ''}`);
}

/** Parses `env` with any object schema of variables, throwing the first problem as one line. */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw configProblem(String(issue.path[0] ?? 'configuration'), issue.message);
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const config = parseEnv(ConfigSchema, env);
  if (config.RELAY_PUBLIC_URL !== undefined) {
    const url = normalizeRelayUrl(config.RELAY_PUBLIC_URL, { allowInsecureHttp: config.RELAY_INSECURE_HTTP });
    if (!url.ok)
      throw configProblem('RELAY_PUBLIC_URL', url.problem + (url.insecureHttp ? ' (or set RELAY_INSECURE_HTTP=true to allow it)' : ''));
    config.RELAY_PUBLIC_URL = url.url;
  }
  if (config.RELAY_CLUSTER === 'postgres' && !config.DATABASE_URL)
    throw configProblem('DATABASE_URL', 'is not set: RELAY_CLUSTER=postgres needs it');
  if (Boolean(config.TURN_SECRET) !== Boolean(config.TURN_URLS))
    throw new ConfigError(
      'invalid TURN_SECRET/TURN_URLS: set both or neither, e.g. TURN_SECRET=<openssl rand -hex 32> with TURN_URLS=turn:turn.example.org:3478',
    );
  return config;
}

/** Reads `.env` from the working directory if there is one; variables already set win. */
export function loadDotEnv(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
}

/** Ends the process with the one-line configuration error (exit 2). */
export function exitOnConfigError<T>(processName: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    process.stderr.write(`${processName}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

/**
 * For the relay's and the worker's entry points: `.env`, then the config; a bad variable ends
 * the process with one line naming it (exit 2). With `publicUrl`, a relay bound beyond loopback
 * refuses to start without RELAY_PUBLIC_URL: the address it would guess (http://localhost:PORT)
 * can never be the one in members' files, and every login would fail with BadSignature. On a
 * loopback bind it is derived, and the relay says so at start (`publicUrlNotice`).
 */
export function loadConfigOrExit(processName: string, opts: { publicUrl?: boolean } = {}): RelayConfig {
  loadDotEnv();
  return exitOnConfigError(processName, () => {
    const config = loadConfig(process.env);
    if (opts.publicUrl && !config.RELAY_PUBLIC_URL && !isLoopbackHost(config.HOST))
      throw configProblem(
        'RELAY_PUBLIC_URL',
        `is not set, and HOST=${config.HOST} is not loopback: set it to the relay URL in the members' identity files (their logins are signed over it)`,
      );
    return config;
  });
}

/** What the relay says at start when it derived its public URL. */
export const publicUrlNotice = (derived: string) =>
  `RELAY_PUBLIC_URL is not set: using ${derived} (loopback). Identity files must name exactly this address; behind a proxy, set RELAY_PUBLIC_URL=https://relay.example.org`;
