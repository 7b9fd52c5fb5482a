/** npm run relay: the composition root. Reads env (and .env), starts the stack, stops on SIGTERM. */
import { loadConfigOrExit, publicUrlNotice } from './config.js';
import { handleEntryArgs } from './entry-args.js';
import { createLogger } from './observability/log.js';
import { startRelayStack } from './stack.js';

handleEntryArgs(
  'relay',
  `usage: npm run relay
Starts the Circle relay on HOST:PORT (plain HTTP; put a TLS proxy in front) until SIGTERM or SIGINT.
Configuration comes from the environment or .env (every variable is in .env.example); at least
RELAY_PUBLIC_URL=https://relay.example.org (the relay URL in the identity files; derived as
http://localhost:PORT only on a loopback HOST) and DATABASE_URL=postgresql://... for production.
A bad or missing variable stops it with one line naming it (exit 2).`,
);
const config = loadConfigOrExit('relay', { publicUrl: true });
const logger = createLogger(config.LOG_LEVEL);
try {
  const stack = await startRelayStack({ config, logger });
  if (!config.RELAY_PUBLIC_URL) logger.warn(publicUrlNotice(stack.url));
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
