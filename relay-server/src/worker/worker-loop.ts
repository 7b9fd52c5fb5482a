/**
 * The separate expiry worker's loop (`npm run worker`). Unlike the relay's in-process sweeper it
 * is the whole process: its timer keeps the process alive until it is signalled, every sweep's
 * count is logged, and a database it cannot use ends it with a one-line reason and a non-zero
 * exit, so a service manager's `Restart=on-failure` brings it back.
 */
import { redact, type Logger } from '../observability/log.js';
import type { BlobStore } from '../store/index.js';
import { sweepExpiredBlobs } from './sweeper.js';

/** Consecutive failed sweeps (with doubling waits between them) before the worker gives up. */
export const WORKER_MAX_RETRIES = 5;
const FIRST_RETRY_MS = 1000;

export interface WorkerLoopDeps {
  blobs: BlobStore;
  intervalMs: number;
  batchSize: number;
  clock: () => number;
  logger: Logger;
  /** Called once with a one-line reason when the worker cannot go on. */
  onFatal: (reason: string) => void;
}

export interface WorkerLoop {
  /** Stops scheduling sweeps and waits for one in progress. */
  stop(): Promise<void>;
}

/** PostgreSQL's undefined_table, as the driver or Prisma reports it. */
function isMissingTable(err: unknown): boolean {
  const e = err as { code?: unknown; meta?: { code?: unknown }; cause?: { code?: unknown }; message?: unknown };
  if (e.code === '42P01' || e.meta?.code === '42P01' || e.cause?.code === '42P01' || e.code === 'P2021') return true;
  return typeof e.message === 'string' && /relation "?blobs"? does not exist|table .*blobs.* does not exist/i.test(e.message);
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return redact(text.replace(/\s+/g, ' ').trim().slice(0, 300));
}

export function startWorkerLoop(deps: WorkerLoopDeps): WorkerLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let failures = 0;

  const schedule = (ms: number) => {
    if (!stopped) timer = setTimeout(() => (running = sweep().finally(() => (running = undefined))), ms);
  };

  const sweep = async () => {
    try {
      const count = await sweepExpiredBlobs(deps);
      failures = 0;
      deps.logger.info('swept expired blobs', { count });
      schedule(deps.intervalMs);
    } catch (err) {
      if (stopped) return;
      if (isMissingTable(err)) {
        stopped = true;
        return deps.onFatal(
          'the database at DATABASE_URL has no Circle tables (never migrated): start the relay once against it (it applies the migrations), then the worker',
        );
      }
      failures += 1;
      if (failures > WORKER_MAX_RETRIES) {
        stopped = true;
        return deps.onFatal(`lost the database: ${failures} sweeps in a row failed (last: ${oneLine(err)})`);
      }
      const waitMs = FIRST_RETRY_MS * 2 ** (failures - 1);
      deps.logger.warn('sweep failed, retrying', { attempt: failures, retryInMs: waitMs, error: oneLine(err) });
      schedule(waitMs);
    }
  };

  running = sweep().finally(() => (running = undefined));
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
