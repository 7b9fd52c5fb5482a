/** Database failures a client should simply retry, told apart from bugs. */
import { CircleError, ErrorCode } from '@circle/protocol';

/** SQLSTATE query_canceled: statement_timeout fired. */
const QUERY_CANCELED = '57014';

/**
 * node-postgres' own timeouts ("Query read timeout", "timeout exceeded when trying to connect")
 * and PostgreSQL's statement_timeout become Unavailable, which clients retry; anything else is
 * returned unchanged (an Internal error, logged by the relay).
 */
export function retryableDatabaseError(err: unknown, operation: string): Error {
  const e = err as { code?: unknown; message?: unknown };
  const timedOut = e.code === QUERY_CANCELED || (typeof e.message === 'string' && /timeout/i.test(e.message));
  if (timedOut) return new CircleError(ErrorCode.Unavailable, operation, "the relay's database did not answer in time: retry in a moment");
  return err instanceof Error ? err : new Error(String(err));
}
