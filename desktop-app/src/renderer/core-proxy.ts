/** The UI's handle on the core worker: typed requests that resolve or throw, and events. */
import { CircleError, ErrorCode, isErrorCode, type ErrorInfo } from '@circle/protocol';
import type { WorkerEventName, WorkerEvents, WorkerMethod, WorkerOutbound, WorkerRequests } from '../shared/worker-api.js';

export class CoreProxy {
  private readonly worker = new Worker(new URL('./core-worker.js', import.meta.url), { type: 'module', name: 'circle-core' });
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: CircleError) => void }>();
  private readonly listeners = new Map<WorkerEventName, Set<(data: never) => void>>();

  constructor() {
    this.worker.onmessage = (event: MessageEvent<WorkerOutbound>) => {
      const msg = event.data;
      if ('event' in msg) {
        for (const fn of this.listeners.get(msg.event) ?? []) (fn as (d: unknown) => void)(msg.data);
        return;
      }
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.value);
      else w.reject(toCircleError(msg.error));
    };
  }

  call<M extends WorkerMethod>(
    method: M,
    args: WorkerRequests[M]['args'],
    transfer: Transferable[] = [],
  ): Promise<WorkerRequests[M]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args }, transfer);
    });
  }

  on<E extends WorkerEventName>(event: E, fn: (data: WorkerEvents[E]) => void): void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(fn);
    this.listeners.set(event, set);
  }
}

function toCircleError(info: ErrorInfo): CircleError {
  return new CircleError(isErrorCode(info.code) ? info.code : ErrorCode.Internal, 'core', info.message);
}
