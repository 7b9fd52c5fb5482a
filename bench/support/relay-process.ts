/**
 * Bench-only relay entry, run in its own Node process so its memory is its own: starts the
 * stack from the environment (DATABASE_URL, PORT, limits), prints `ready <port>` on stdout,
 * and stops cleanly on SIGTERM.
 */
import { loadConfig, silentLogger, startRelayStack } from '@circle/relay-server';

const stack = await startRelayStack({ config: loadConfig(process.env), logger: silentLogger });
process.stdout.write(`ready ${stack.port}\n`);
const stop = () => {
  stack.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
