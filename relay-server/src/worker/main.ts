/** npm run worker: the expiry sweeper as its own process, against the same database as the relay. */
import { loadConfigOrExit } from '../config.js';
import { createLogger } from '../observability/log.js';
import { BlobStore, createPrismaClient, openDatabase } from '../store/index.js';
import { startSweeper } from './sweeper.js';

const config = loadConfigOrExit('worker');
if (!config.DATABASE_URL) {
  process.stderr.write(
    'worker: the embedded database is swept by the relay itself (WORKER_IN_PROCESS); set DATABASE_URL to run a separate worker\n',
  );
  process.exit(2);
}
const logger = createLogger(config.LOG_LEVEL);
const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.CIRCLE_DATA_DIR });
const prisma = createPrismaClient(db);
const sweeper = startSweeper({
  blobs: new BlobStore(prisma),
  intervalMs: config.SWEEP_INTERVAL_MS,
  batchSize: config.SWEEP_BATCH,
  clock: Date.now,
  logger,
});
logger.info('expiry worker running', { intervalMs: config.SWEEP_INTERVAL_MS, batch: config.SWEEP_BATCH });
void sweeper.sweepNow();
const stop = () =>
  void sweeper
    .stop()
    .then(() => prisma.$disconnect())
    .then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
