/** @circle/relay-server public surface, for scripts, tests and benchmarks. */
export { createRelay, MAX_MESSAGE_BYTES, type Relay, type RelayDeps } from './server.js';
export { loadConfig, ConfigError, ConfigSchema, type RelayConfig } from './config.js';
export { createLogger, silentLogger, redact, type Logger } from './observability/log.js';
export { startSweeper, sweepExpiredBlobs, type Sweeper } from './worker/sweeper.js';
export { mintTurnCredentials } from './handlers/turn-credentials.js';
export { startRelayStack, type RelayStack } from './stack.js';
export * from './store/index.js';
