/**
 * Relay configuration from the environment (and `.env`), validated at start. A bad value
 * stops the relay with one line naming the variable, never a stack trace.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { validateRelayUrl } from '@circle/protocol';

const int = (min: number, max: number) => z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  RELAY_PUBLIC_URL: z
    .string()
    .refine((v) => validateRelayUrl(v) === undefined, { message: 'must be an http(s) URL like https://relay.example.org' })
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  CIRCLE_DATA_DIR: z.string().min(1).default('./.circle'),
  AUTH_TIMEOUT_MS: int(500, 120_000).default(10_000),
  RATE_LIMIT_BLOBS_PER_MINUTE: int(1, 1_000_000).default(1200),
  RATE_LIMIT_BURST: int(1, 1_000_000).default(4000),
  MAILBOX_QUOTA_MB: int(1, 1_000_000).default(1024),
  SWEEP_INTERVAL_MS: int(100, 86_400_000).default(60_000),
  SWEEP_BATCH: int(1, 100_000).default(500),
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
    .refine((urls) => urls.every((u) => /^turns?:[^\s]+$/.test(u)), { message: 'must be a comma-separated list of turn: or turns: URLs' })
    .optional(),
  TURN_TTL_SECONDS: int(60, 86_400).default(3600),
  RELAY_CLUSTER: z.enum(['none', 'postgres']).default('none'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type RelayConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv): RelayConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid ${String(issue.path[0] ?? 'configuration')}: ${issue.message}`);
  }
  const config = parsed.data;
  if (config.RELAY_CLUSTER === 'postgres' && !config.DATABASE_URL)
    throw new ConfigError('invalid RELAY_CLUSTER: postgres clustering needs DATABASE_URL');
  if (Boolean(config.TURN_SECRET) !== Boolean(config.TURN_URLS))
    throw new ConfigError('invalid TURN_SECRET/TURN_URLS: set both or neither');
  return config;
}

/**
 * For the relay's and the worker's entry points: reads `.env` from the working directory if
 * there is one (process variables win), then the config; a bad variable ends the process with
 * one line naming it (exit 2).
 */
export function loadConfigOrExit(processName: string): RelayConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`${processName}: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
