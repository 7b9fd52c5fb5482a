/**
 * The member's authenticated connection to the relay: fetches a fresh challenge, signs it
 * for the relay's origin, connects over WebSocket only, and re-authenticates on every
 * reconnect. Requests are typed by the shared event contract and answer Result<T>.
 */
import { io, type Socket } from 'socket.io-client';
import {
  CircleError,
  ErrorCode,
  isErrorCode,
  parseWith,
  pushes,
  relayOrigin,
  requests,
  signRelayChallenge,
  toBase64Url,
  fromBase64Url,
  type ClientToServerEvents,
  type ErrorInfo,
  type ParsedResponseOf,
  type PushName,
  type RequestName,
  type RequestOf,
  type Result,
  type ServerToClientEvents,
} from '@circle/protocol';
import { Emitter } from './emitter.js';
import type { z } from 'zod';

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'unreachable' | 'revoked' | 'rejected' | 'closed';

export interface ConnectionKeys {
  ed25519Seed: Uint8Array;
  ed25519PublicKey: Uint8Array;
}

type PushEvents = { [K in PushName]: z.output<(typeof pushes)[K]> };
type ConnectionEvents = PushEvents & { state: { state: ConnectionState; error?: ErrorInfo } };

const REQUEST_TIMEOUT_MS = 20_000;
const UNREACHABLE_AFTER_ATTEMPTS = 3;

export class RelayConnection extends Emitter<ConnectionEvents> {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private current: ConnectionState = 'connecting';
  private failedAttempts = 0;
  readonly origin: string;

  constructor(
    readonly relayUrl: string,
    private readonly keys: ConnectionKeys,
  ) {
    super();
    this.origin = relayOrigin(relayUrl);
    this.socket = io(relayUrl, {
      transports: ['websocket'],
      autoConnect: false,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      auth: (cb) => {
        this.prove().then(cb, () => cb({}));
      },
    });
    this.wire();
  }

  get state(): ConnectionState {
    return this.current;
  }

  connect(): void {
    this.setState('connecting');
    this.socket.connect();
  }

  close(): void {
    this.socket.disconnect();
    this.setState('closed');
  }

  /** Resolves when connected, or rejects with the reason the relay refused us. */
  waitOnline(timeoutMs = 15_000): Promise<void> {
    if (this.current === 'online') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new CircleError(ErrorCode.Timeout, 'connect', 'could not reach the relay in time'));
      }, timeoutMs);
      const off = this.on('state', ({ state, error }) => {
        if (state !== 'online' && state !== 'revoked' && state !== 'rejected') return;
        clearTimeout(timer);
        off();
        if (state === 'online') resolve();
        else
          reject(new CircleError(error?.code ?? ErrorCode.NotAllowlisted, 'connect', error?.message ?? 'the relay refused this identity'));
      });
    });
  }

  /** Sends one request and waits for its ack. Throws CircleError (Unavailable when offline). */
  async request<K extends RequestName>(name: K, payload: RequestOf<K>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ParsedResponseOf<K>> {
    if (!this.socket.connected) throw new CircleError(ErrorCode.Unavailable, name, 'not connected to the relay');
    let result: Result<unknown>;
    try {
      // The typed emitWithAck cannot take a generic event name; the payload was typed by the caller.
      const timed = this.socket.timeout(timeoutMs) as unknown as { emitWithAck(n: string, p: unknown): Promise<Result<unknown>> };
      result = await timed.emitWithAck(name, payload);
    } catch {
      // Socket.IO fails an unanswered request at once when the connection drops: its ack cannot come.
      if (!this.socket.connected)
        throw new CircleError(ErrorCode.Unavailable, name, 'the connection to the relay dropped before it answered');
      throw new CircleError(ErrorCode.Timeout, name, 'the relay did not answer in time');
    }
    if (!result || typeof result !== 'object' || !('ok' in result))
      throw new CircleError(ErrorCode.Internal, name, 'malformed answer from the relay');
    if (!result.ok) {
      const code = isErrorCode(result.error?.code) ? result.error.code : ErrorCode.Internal;
      throw new CircleError(code, name, typeof result.error?.message === 'string' ? result.error.message : 'request failed');
    }
    return parseWith(requests[name].response, result.value, name) as ParsedResponseOf<K>;
  }

  private async prove(): Promise<Record<string, string>> {
    const res = await fetch(new URL('/auth/challenge', this.relayUrl), { cache: 'no-store' });
    const body = (await res.json()) as { challenge?: unknown };
    if (typeof body.challenge !== 'string') throw new Error('bad challenge');
    const proof = await signRelayChallenge(this.keys.ed25519Seed, this.keys.ed25519PublicKey, fromBase64Url(body.challenge), this.origin);
    return { challenge: body.challenge, publicKey: toBase64Url(proof.publicKey), signature: toBase64Url(proof.signature) };
  }

  private wire(): void {
    const s = this.socket;
    s.on('connect', () => {
      this.failedAttempts = 0;
      this.setState('online');
    });
    s.on('disconnect', (reason) => {
      if (this.current === 'revoked' || this.current === 'closed') return;
      this.setState('offline');
      // A server-side disconnect is not retried by Socket.IO itself.
      if (reason === 'io server disconnect') setTimeout(() => this.current === 'offline' && s.connect(), 1000);
    });
    s.on('connect_error', (err: Error & { data?: unknown }) => {
      const data = err.data as ErrorInfo | undefined;
      if (data && isErrorCode(data.code)) {
        if (data.code === ErrorCode.Revoked) return this.setState('revoked', data);
        if (data.code === ErrorCode.BadSignature) return this.setState('rejected', addressMismatch(this.origin, data));
        if (data.code === ErrorCode.NotAllowlisted) return this.setState('rejected', data);
        // Challenge raced or expired: try again shortly with a fresh one.
        setTimeout(() => this.current !== 'closed' && s.connect(), 500);
        return;
      }
      this.failedAttempts++;
      this.setState(this.failedAttempts >= UNREACHABLE_AFTER_ATTEMPTS ? 'unreachable' : 'offline');
    });
    for (const name of Object.keys(pushes) as PushName[]) {
      (s as unknown as { on(e: string, fn: (p: unknown) => void): void }).on(name, (payload) => {
        const parsed = pushes[name].safeParse(payload);
        if (!parsed.success) return; // a malformed push is dropped, never a crash
        if (name === 'session:revoked') {
          this.setState('revoked', { code: ErrorCode.Revoked, message: 'this identity has been revoked by the operator' });
          s.disconnect();
        }
        this.emit(name, parsed.data);
      });
    }
  }

  private setState(state: ConnectionState, error?: ErrorInfo): void {
    if (this.current === state && !error) return;
    this.current = state;
    this.emit('state', { state, error });
  }
}

/**
 * A refused login signature almost always means the identity file names another spelling of
 * the relay's address than the relay's RELAY_PUBLIC_URL: say so, with both addresses.
 */
export function addressMismatch(ownOrigin: string, data: ErrorInfo): ErrorInfo {
  const theirs = /this relay's address is (\S+)$/.exec(typeof data.message === 'string' ? data.message : '')?.[1];
  if (!theirs || theirs === ownOrigin) return data;
  return {
    code: data.code,
    message: `this identity file is for ${ownOrigin}, but the relay's address is ${theirs}: ask your operator (the relay's RELAY_PUBLIC_URL must be the address in the identity files)`,
  };
}
