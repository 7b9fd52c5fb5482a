/** npm run relay: the composition root. Reads env (and .env), starts the stack, stops on SIGTERM. */
import { loadConfigOrExit } from './config.js';
import { createLogger } from './observability/log.js';
import { startRelayStack } from './stack.js';

const config = loadConfigOrExit('relay');
const logger = createLogger(config.LOG_LEVEL);
try {
  const stack = await startRelayStack({ config, logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  process.stderr.write(`relay: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
