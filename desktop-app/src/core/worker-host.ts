/**
 * The core worker's entry: a dedicated Worker that holds the member's keys (in Electron and in
 * a browser alike; see docs/decisions/2026-11-22-core-in-a-worker.md). It answers the UI's
 * requests with Result-shaped replies and pushes view events. Nothing here touches the DOM.
 */
import { toErrorInfo } from '@circle/protocol';
import type { WorkerInbound, WorkerOutbound } from '../shared/worker-api.js';
import { Session } from './session.js';

interface WorkerScope {
  postMessage(message: WorkerOutbound, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerInbound>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;

const session = new Session((event, data) => scope.postMessage({ event, data }));
// Counts and times only (no content, no key): what the hostile-content tests read from the worker.
Object.defineProperty(globalThis, 'circleCoreStats', { get: () => ({ ...session.stats }) });

scope.onmessage = (event) => {
  const msg = event.data;
  if (!msg || typeof msg !== 'object' || typeof msg.id !== 'number' || typeof msg.method !== 'string' || !(msg.method in session.handlers))
    return;
  const handler = session.handlers[msg.method] as (args: unknown) => Promise<unknown>;
  handler(msg.args ?? {}).then(
    (value) => {
      const bytes = (value as { bytes?: Uint8Array } | null)?.bytes;
      scope.postMessage({ id: msg.id, ok: true, value }, bytes ? [bytes.buffer as ArrayBuffer] : []);
    },
    (err: unknown) => scope.postMessage({ id: msg.id, ok: false, error: toErrorInfo(err) }),
  );
};
