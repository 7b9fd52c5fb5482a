/** npm run worker: the expiry sweeper as its own process, against the same database as the relay. */
import { loadConfigOrExit } from '../config.js';
import { handleEntryArgs } from '../entry-args.js';
import { createLogger } from '../observability/log.js';
import { BlobStore, createPrismaClient, openDatabase } from '../store/index.js';
import { startWorkerLoop, WORKER_MAX_RETRIES } from './worker-loop.js';

handleEntryArgs(
  'worker',
  `usage: npm run worker
Deletes expired blobs from the relay's PostgreSQL every SWEEP_INTERVAL_MS, in batches of SWEEP_BATCH,
until it receives SIGTERM or SIGINT (then exit 0). Reads DATABASE_URL (required), SWEEP_INTERVAL_MS,
SWEEP_BATCH and LOG_LEVEL from the environment or .env; run the relays with WORKER_IN_PROCESS=false.
Exits 1 with one line when the database was never migrated or stays unreachable for ${WORKER_MAX_RETRIES} retries.`,
);
const config = loadConfigOrExit('worker');
if (!config.DATABASE_URL) {
  process.stderr.write(
    'worker: DATABASE_URL is not set, e.g. DATABASE_URL=postgresql://circle:PASSWORD@127.0.0.1:5432/circle (the embedded database is swept by the relay itself)\n',
  );
  process.exit(2);
}
const logger = createLogger(config.LOG_LEVEL);
const fatal = (reason: string): never => {
  process.stderr.write(`worker: ${reason}\n`);
  process.exit(1);
};
const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.CIRCLE_DATA_DIR }).catch((err: unknown) =>
  fatal(`cannot open the database: ${err instanceof Error ? err.message : String(err)}`),
);
const prisma = createPrismaClient(db);
const loop = startWorkerLoop({
  blobs: new BlobStore(prisma),
  intervalMs: config.SWEEP_INTERVAL_MS,
  batchSize: config.SWEEP_BATCH,
  clock: Date.now,
  logger,
  onFatal: (reason) => {
    void prisma.$disconnect().finally(() => fatal(reason));
  },
});
logger.info('expiry worker running', { intervalMs: config.SWEEP_INTERVAL_MS, batch: config.SWEEP_BATCH });
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info('expiry worker stopping', { signal });
  void loop
    .stop()
    .then(() => prisma.$disconnect())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
