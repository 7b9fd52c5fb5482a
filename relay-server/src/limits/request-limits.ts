/**
 * A rate limit on every request, per member (its key hash), counted across all its sockets on
 * this node. Each event has its own bucket, so a member's sync cannot starve its sends. The
 * limits sit above what the app does (an outbox of 8 puts, a sync fetching 8 blobs at a time
 * one request after another, a call's few credentials and joins) and far below what would let
 * one member take the relay's CPU or database from the others.
 */
import { ErrorCode, CircleError, type RequestName } from '@circle/protocol';
import type { RelayConfig } from '../config.js';
import { TokenBuckets } from './token-bucket.js';

export interface RateLimit {
  perMinute: number;
  burst: number;
  /** What the member is told, after "RateLimited". */
  message: string;
}

/** Fixed limits; blob:put comes from the config (RATE_LIMIT_BLOBS_PER_MINUTE, RATE_LIMIT_BURST). */
export const REQUEST_LIMITS: Record<Exclude<RequestName, 'blob:put'>, RateLimit> = {
  // A full mailbox (1 GiB, 16,384 blobs) syncs in one burst of fetches, 8 blobs each.
  'blob:fetch': { perMinute: 1200, burst: 2400, message: 'fetching too fast: wait a moment and retry' },
  'mailbox:list': { perMinute: 600, burst: 300, message: 'listing too fast: wait a moment and retry' },
  'blob:delete': { perMinute: 1200, burst: 4000, message: 'deleting too fast: wait a moment and retry' },
  'presence:list': { perMinute: 60, burst: 30, message: 'asking for presence too often: wait a moment' },
  // A call asks once, then renews every few minutes; the ICE self-test asks once.
  'turn:credentials': { perMinute: 20, burst: 10, message: 'asking for TURN credentials too often: wait a minute' },
  'signal:send': { perMinute: 6000, burst: 2000, message: 'signalling too fast: slow down' },
  'call:create': { perMinute: 20, burst: 10, message: 'starting calls too often: wait a minute' },
  'call:join': { perMinute: 60, burst: 20, message: 'joining calls too often: wait a minute' },
  'call:leave': { perMinute: 60, burst: 20, message: 'leaving calls too often: wait a minute' },
  // handlers/devices.ts limits these more tightly per kind; these only keep every event limited here.
  'device:publish': { perMinute: 60, burst: 30, message: 'changing devices too often: wait a minute' },
  'device:remove': { perMinute: 60, burst: 30, message: 'changing devices too often: wait a minute' },
  'device:list': { perMinute: 600, burst: 200, message: 'listing devices too often: wait a moment' },
};

export class RequestLimits {
  private readonly buckets = new Map<RequestName, { bucket: TokenBuckets; message: string }>();

  constructor(config: Pick<RelayConfig, 'RATE_LIMIT_BLOBS_PER_MINUTE' | 'RATE_LIMIT_BURST'>, clock: () => number) {
    const limits: Record<RequestName, RateLimit> = {
      ...REQUEST_LIMITS,
      'blob:put': {
        perMinute: config.RATE_LIMIT_BLOBS_PER_MINUTE,
        burst: config.RATE_LIMIT_BURST,
        message: 'sending too fast: wait a moment and retry',
      },
    };
    for (const [name, l] of Object.entries(limits) as [RequestName, RateLimit][])
      this.buckets.set(name, { bucket: new TokenBuckets(l.perMinute, l.burst, clock), message: l.message });
  }

  /** Takes one request of `event` for `member`; throws RateLimited when the member is over its limit. */
  take(event: RequestName, member: string): void {
    const limit = this.buckets.get(event);
    if (limit && !limit.bucket.take(member)) throw new CircleError(ErrorCode.RateLimited, event, limit.message);
  }
}
