/**
 * The send queue: every blob put is kept until the relay acknowledges it, and resent after a
 * reconnect. Resending the same blob id is safe: the relay answers Conflict for an id it
 * already stored, which counts as delivered here.
 */
import { CircleError, ErrorCode } from '@circle/protocol';
import type { RelayConnection } from './relay-connection.js';

export interface OutgoingBlob {
  id: string;
  to: string;
  bytes: Uint8Array;
  deleteProofHash: string;
}

interface Pending {
  blob: OutgoingBlob;
  resolve: (expiresAt: number) => void;
  reject: (err: CircleError) => void;
  cancelled: boolean;
}

/** Puts a member keeps in flight to the relay at once. */
export const OUTBOX_IN_FLIGHT = 8;
/**
 * Retry delays: exponential from the base, capped, with jitter so that members cut off
 * together do not come back together. RateLimited starts from a longer base: the relay's
 * bucket refills over seconds, not milliseconds.
 */
export const RETRY_BASE_MS = 500;
export const RATE_LIMITED_BASE_MS = 2000;
export const RETRY_CAP_MS = 30_000;

/** The delay before retry number `attempt` (0-based): half fixed, half random, never above the cap. */
export function retryDelay(attempt: number, code: ErrorCode, random: () => number = Math.random): number {
  const base = code === ErrorCode.RateLimited ? RATE_LIMITED_BASE_MS : RETRY_BASE_MS;
  const ceiling = Math.min(RETRY_CAP_MS, base * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
const RETRYABLE = new Set<ErrorCode>([ErrorCode.Unavailable, ErrorCode.Timeout, ErrorCode.RateLimited, ErrorCode.Internal]);

export class Outbox {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Failed attempts in a row; reset by any success. */
  private failures = 0;

  constructor(private readonly connection: RelayConnection) {
    connection.on('state', ({ state }) => state === 'online' && this.pump());
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves with the relay's expiresAt once stored. */
  put(blob: OutgoingBlob, signal?: { cancelled: boolean }): Promise<number> {
    return new Promise((resolve, reject) => {
      const p: Pending = { blob, resolve, reject, cancelled: false };
      if (signal) Object.defineProperty(p, 'cancelled', { get: () => signal.cancelled });
      this.queue.push(p);
      this.pump();
    });
  }

  private pump(): void {
    // While a retry is scheduled, nothing is sent: the failed put waits at the head of the queue.
    if (this.retryTimer) return;
    while (this.inFlight < OUTBOX_IN_FLIGHT && this.queue.length > 0 && this.connection.state === 'online') {
      const p = this.queue.shift()!;
      if (p.cancelled) {
        p.reject(new CircleError(ErrorCode.BadRequest, 'send', 'cancelled'));
        continue;
      }
      this.inFlight++;
      this.connection
        .request('blob:put', p.blob)
        .then(
          (r) => {
            this.failures = 0;
            p.resolve(r.expiresAt);
          },
          (err: unknown) => {
            const e = err instanceof CircleError ? err : new CircleError(ErrorCode.Internal, 'send', 'send failed');
            if (e.code === ErrorCode.Conflict) return p.resolve(Number.NaN); // already stored by an earlier attempt
            if (RETRYABLE.has(e.code)) {
              this.queue.unshift(p);
              this.scheduleRetry(retryDelay(this.failures++, e.code));
              return;
            }
            p.reject(e);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private scheduleRetry(ms: number): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, ms);
  }
}
