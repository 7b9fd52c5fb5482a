/** Database failures a client should simply retry, told apart from bugs. */
import { CircleError, ErrorCode } from '@circle/protocol';

/** SQLSTATE query_canceled: statement_timeout fired. */
const QUERY_CANCELED = '57014';
/**
 * SQLSTATE class 08 (connection exception), 57P01-57P03 (the server ended or refuses the
 * session) and 53300 (too many connections).
 */
const LOST_SESSION = /^(08...|57P0[123]|53300)$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** node-postgres', pg-pool's and Prisma's driver-adapter wording for a connection that is gone. */
const LOST_CONNECTION_TEXT =
  /connection terminated|terminating connection|connection (is )?closed|server closed the connection|client has encountered a connection error|cannot use a pool after calling end|can't reach database|not currently accepting connections|too many clients|the database system is (starting up|shutting down)|DatabaseNotReachable|ConnectionClosed|ECONNREFUSED|ECONNRESET/i;

/** True for errors that mean "the database is not reachable right now" (anywhere in the cause chain). */
export function isDatabaseUnreachable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (typeof e.code === 'string' && (LOST_SESSION.test(e.code) || NETWORK_CODES.has(e.code))) return true;
    if (typeof e.kind === 'string' && /NotReachable|ConnectionClosed|SocketTimeout/.test(e.kind)) return true;
    if (typeof e.message === 'string' && LOST_CONNECTION_TEXT.test(e.message)) return true;
    e = typeof e.cause === 'object' && e.cause !== null ? e.cause : undefined;
  }
  return false;
}

/**
 * node-postgres' own timeouts ("Query read timeout", "timeout exceeded when trying to connect"),
 * PostgreSQL's statement_timeout and a lost or refused database connection become Unavailable,
 * which clients retry; anything else is returned unchanged (an Internal error, logged by the relay).
 */
export function retryableDatabaseError(err: unknown, operation: string): Error {
  if (err instanceof CircleError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const timedOut = e.code === QUERY_CANCELED || (typeof e.message === 'string' && /timeout/i.test(e.message));
  if (timedOut) return new CircleError(ErrorCode.Unavailable, operation, "the relay's database did not answer in time: retry in a moment");
  if (isDatabaseUnreachable(err))
    return new CircleError(ErrorCode.Unavailable, operation, "the relay's database is unreachable: retry in a moment");
  return err instanceof Error ? err : new Error(String(err));
}
