/**
 * Backpressure for one socket: what the relay holds for it is bounded whatever its peer does.
 *
 * - Requests in flight (read, not yet answered) are capped; one over the cap is answered
 *   RateLimited at once, without work.
 * - While the bytes queued for the socket's transport (Engine.IO's write buffer plus what the
 *   WebSocket has not yet handed to the kernel) exceed PAUSE_QUEUED_BYTES, or its requests in
 *   flight reach their cap, the relay stops reading the socket: its peer's requests wait in
 *   TCP buffers, not in the relay. A peer that never reads also stops answering pings, so the
 *   heartbeat closes it.
 * - Pushes (blob:new, signal:recv, presence) cannot wait: a packet that would take the queue
 *   past MAX_QUEUED_BYTES closes the socket with CLOSE_BACKPRESSURE instead of being buffered.
 *
 * docs/SECURITY.md §5.1 turns these caps into the relay's worst-case memory.
 */
import type { RequestName } from '@circle/protocol';

/** Above this many queued bytes the relay stops reading the socket's requests. */
export const PAUSE_QUEUED_BYTES = 1024 * 1024;
/** A push that would queue more than this closes the socket (replies alone stay below it, see below). */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Requests one socket may have in flight: the app's outbox keeps 8 puts in flight, plus signals and a sync. */
export const MAX_IN_FLIGHT = 16;
/**
 * `blob:fetch` replies are the only large ones (up to 8 blobs, 512 KiB): at most this many in
 * flight, so PAUSE_QUEUED_BYTES + 2 × 512 KiB + 14 small replies stays under MAX_QUEUED_BYTES.
 */
export const MAX_FETCHES_IN_FLIGHT = 2;
/** WebSocket close code (private range) for a socket dropped because it does not read. */
export const CLOSE_BACKPRESSURE = 4008;
/** How often a paused socket is checked for having drained. */
const RESUME_CHECK_MS = 25;

interface QueuedPacket {
  data?: unknown;
}

/** The parts of Engine.IO's socket and of `ws` this module reads; both are stable in engine.io 6 / ws 8. */
interface EngineConn {
  writeBuffer: QueuedPacket[];
  transport: { socket?: WsLike };
  on(event: 'packetCreate', fn: (packet: QueuedPacket) => void): void;
  once(event: 'close', fn: () => void): void;
}
interface WsLike {
  bufferedAmount: number;
  pause(): void;
  resume(): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

const sizeOf = (data: unknown): number =>
  typeof data === 'string' ? data.length : data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data.byteLength : 0;

export class SocketBudget {
  private inFlight = 0;
  private fetchesInFlight = 0;
  private paused = false;
  private resumeTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    private readonly conn: EngineConn,
    /** Called once when the socket is dropped for not reading (for metrics and the log). */
    private readonly onDropped: () => void,
  ) {
    conn.on('packetCreate', (packet) => {
      if (!this.closed && this.queuedBytes() + sizeOf(packet.data) > MAX_QUEUED_BYTES) this.drop();
    });
    conn.once('close', () => {
      this.closed = true;
      clearInterval(this.resumeTimer);
    });
  }

  private get ws(): WsLike | undefined {
    return this.conn.transport.socket;
  }

  /** Bytes waiting to go out on this socket: Engine.IO's buffer and the WebSocket's. */
  queuedBytes(): number {
    let bytes = this.ws?.bufferedAmount ?? 0;
    for (const p of this.conn.writeBuffer) bytes += sizeOf(p.data);
    return bytes;
  }

  /** A request arrived: true when it may run (then call `settle` after its answer), false when over the cap. */
  admit(event: RequestName): boolean {
    if (this.inFlight >= MAX_IN_FLIGHT) return false;
    if (event === 'blob:fetch') {
      if (this.fetchesInFlight >= MAX_FETCHES_IN_FLIGHT) return false;
      this.fetchesInFlight++;
    }
    this.inFlight++;
    this.check();
    return true;
  }

  /** The request admitted for `event` was answered. */
  settle(event: RequestName): void {
    this.inFlight--;
    if (event === 'blob:fetch') this.fetchesInFlight--;
    this.check();
  }

  private overBudget(): boolean {
    return this.inFlight >= MAX_IN_FLIGHT || this.queuedBytes() > PAUSE_QUEUED_BYTES;
  }

  /** Pauses reading when over budget; resumes once the queue drained and requests were answered. */
  private check(): void {
    if (this.closed || this.paused || !this.overBudget()) return;
    this.paused = true;
    this.ws?.pause();
    this.resumeTimer = setInterval(() => {
      if (this.closed || this.overBudget()) return;
      clearInterval(this.resumeTimer);
      this.paused = false;
      this.ws?.resume();
    }, RESUME_CHECK_MS);
    this.resumeTimer.unref();
  }

  /** Closes a socket whose peer does not read: a close frame with the code, then the TCP connection. */
  private drop(): void {
    this.closed = true;
    clearInterval(this.resumeTimer);
    this.onDropped();
    const ws = this.ws;
    if (!ws) return;
    ws.close(CLOSE_BACKPRESSURE, 'too much queued for a client that does not read');
    // The close frame waits behind the queue the peer is not reading: do not keep that memory.
    ws.terminate();
  }
}
