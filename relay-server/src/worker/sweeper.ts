/** Deletes expired blobs in bounded batches on a timer, so delivery never waits on a big sweep. */
import type { Logger } from '../observability/log.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { BlobStore } from '../store/index.js';

export interface Sweeper {
  sweepNow(): Promise<number>;
  stop(): Promise<void>;
}

export interface SweeperDeps {
  blobs: BlobStore;
  intervalMs: number;
  batchSize: number;
  clock: () => number;
  logger: Logger;
  metrics?: RelayMetrics;
}

export function sweepExpiredBlobs(deps: Pick<SweeperDeps, 'blobs' | 'batchSize' | 'clock'>): Promise<number> {
  return deps.blobs.sweepExpired(new Date(deps.clock()), deps.batchSize);
}

export function startSweeper(deps: SweeperDeps): Sweeper {
  let running: Promise<number> | undefined;
  const sweepNow = async () => {
    if (running) return running;
    running = sweepExpiredBlobs(deps)
      .then((n) => {
        if (n > 0) deps.logger.info('swept expired blobs', { count: n });
        deps.metrics?.blobsSwept.inc('', n);
        return n;
      })
      .catch((err: unknown) => {
        deps.logger.error('sweep failed', { error: err instanceof Error ? err.message : 'unknown' });
        return 0;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void sweepNow(), deps.intervalMs);
  timer.unref();
  return {
    sweepNow,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
