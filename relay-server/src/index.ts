/** @circle/relay-server public surface, for scripts, tests and benchmarks. */
export { createRelay, HTTP_TIMEOUTS, MAX_MESSAGE_BYTES, type Relay, type RelayDeps } from './server.js';
export { MEMBER_LIST_MAX_AGE_MS, MEMBER_LIST_REFRESH_MS } from './auth/active-members.js';
export { loadConfig, ConfigError, ConfigSchema, type RelayConfig } from './config.js';
export { createLogger, silentLogger, redact, type Logger } from './observability/log.js';
export { startSweeper, sweepExpiredBlobs, type Sweeper } from './worker/sweeper.js';
export { mintTurnCredentials } from './handlers/turn-credentials.js';
export { startRelayStack, type RelayStack } from './stack.js';
export * from './store/index.js';
