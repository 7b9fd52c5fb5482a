/**
 * createRelay(deps) -> { listen, close }: the whole relay without a port, so tests run it on
 * port 0 against a real database. main.ts is the only place that reads the environment.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { z } from 'zod';
import {
  BLOB_BYTES,
  CircleError,
  ErrorCode,
  parseWith,
  relayOrigin,
  requests,
  toErrorInfo,
  type ParsedRequestOf,
  type RequestName,
  type Result,
} from '@circle/protocol';
import { authMiddleware } from './auth/authenticate.js';
import { ActiveMembers, MEMBER_LIST_REFRESH_MS } from './auth/active-members.js';
import { ChallengeStore, type ChallengeStoreOptions } from './auth/challenges.js';
import { RosterReconciler, answerRosterQuery } from './cluster/roster.js';
import type { RelayConfig } from './config.js';
import { deleteBlob, deliverStoredElsewhere, fetchBlobs, listMailbox, putBlob } from './handlers/blobs.js';
import { CallRoomNote, CallRooms, ROOM_QUERIES_PER_MINUTE, ROOM_QUERY_BURST } from './handlers/call-invitations.js';
import {
  afterLeaving,
  answerRoomQuery,
  callRoomsOf,
  closeIfEmpty,
  closeRoom,
  createCall,
  joinCall,
  leaveCall,
} from './handlers/call-rooms.js';
import { mailboxRoom, type Handler, type RelayParts, type RelayServer, type RelaySocket } from './handlers/context.js';
import {
  DEVICE_CHANGES_PER_MINUTE,
  DEVICE_CHANGE_BURST,
  DEVICE_LISTS_PER_MINUTE,
  DEVICE_LIST_BURST,
  forgetRemovedDevice,
  listDevices,
  publishDevice,
  removeDevice,
} from './handlers/devices.js';
import { announcePresence, listPresence } from './handlers/presence.js';
import { sendSignal } from './handlers/signals.js';
import { mintTurnCredentials } from './handlers/turn-credentials.js';
import { handleHttp, handleMetricsOnly } from './http-routes.js';
import { MemberSockets } from './limits/member-sockets.js';
import { RequestLimits } from './limits/request-limits.js';
import { SocketBudget } from './limits/socket-budget.js';
import { TokenBuckets } from './limits/token-bucket.js';
import type { Logger } from './observability/log.js';
import { RelayMetrics } from './observability/metrics.js';
import type { Allowlist, BlobStore, DeviceStore } from './store/index.js';
import { DatabaseHealth } from './store/database-health.js';
import { isDatabaseUnreachable } from './store/db-errors.js';

export interface RelayDeps {
  config: RelayConfig;
  blobs: BlobStore;
  allowlist: Allowlist;
  devices: DeviceStore;
  logger: Logger;
  databaseReachable: () => Promise<boolean>;
  clock?: () => number;
  /** Installs a cluster adapter (scale-out) on the Socket.IO server. */
  installAdapter?: (io: RelayServer) => void;
  /** How often connected sockets are checked against revocations (MEMBER_LIST_REFRESH_MS by default). */
  revocationCheckMs?: number;
  /** How long a call room nobody joined stays open (CALL_ROOM_IDLE_MS). */
  callRoomIdleMs?: number;
  /** The challenge key and used-challenge store shared by a cluster's nodes; per process otherwise. */
  challenges?: ChallengeStoreOptions;
}

export interface Relay {
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
  /** The origin clients sign for: RELAY_PUBLIC_URL, or http://localhost:<port> once listening. */
  origin(): string;
  readonly metrics: RelayMetrics;
  readonly io: RelayServer;
  readonly http: HttpServer;
}

/** After a database outage, how long a clustered node waits for the adapter to listen again before dropping its members once. */
export const RESYNC_AFTER_RECOVERY_MS = 4000;

/**
 * Every HTTP request is answered or closed within these (ms): its headers within
 * `headersTimeout`, all of it within `requestTimeout` (checked every
 * `connectionsCheckingInterval`), an idle keep-alive connection after `keepAliveTimeout`.
 * The reverse-proxy examples in the operator guide use the same figures.
 */
export const HTTP_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 15_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 2_000,
};

/** One blob plus Socket.IO framing headroom; the default 1 MB would invite abuse. */
export const MAX_MESSAGE_BYTES = BLOB_BYTES + 16 * 1024;

const HANDLERS: { [K in RequestName]: Handler<K> } = {
  'blob:put': putBlob,
  'mailbox:list': listMailbox,
  'blob:fetch': fetchBlobs,
  'blob:delete': deleteBlob,
  'presence:list': listPresence,
  'turn:credentials': async (_p, _socket, parts) => {
    const { TURN_SECRET, TURN_URLS, TURN_TTL_SECONDS } = parts.config;
    if (!TURN_SECRET || !TURN_URLS)
      throw new CircleError(
        ErrorCode.Unavailable,
        'turn:credentials',
        'this relay has no TURN server configured: calls may fail across networks',
      );
    return mintTurnCredentials(TURN_SECRET, TURN_URLS, TURN_TTL_SECONDS, parts.clock());
  },
  'signal:send': sendSignal,
  'call:create': createCall,
  'call:join': joinCall,
  'call:leave': leaveCall,
  'device:publish': publishDevice,
  'device:list': listDevices,
  'device:remove': removeDevice,
};

export function createRelay(deps: RelayDeps): Relay {
  const clock = deps.clock ?? Date.now;
  const metrics = new RelayMetrics();
  const challenges = new ChallengeStore(deps.config.AUTH_TIMEOUT_MS * 3, clock, deps.challenges);
  let origin = deps.config.RELAY_PUBLIC_URL ? relayOrigin(deps.config.RELAY_PUBLIC_URL) : `http://localhost:${deps.config.PORT}`;

  const http = createServer(
    HTTP_TIMEOUTS,
    handleHttp({ challenges, metrics, databaseReachable: () => health.check(), metricsToken: deps.config.METRICS_TOKEN }),
  );
  // METRICS_PORT: /metrics alone, on the loopback interface only, without a token.
  const metricsHttp = deps.config.METRICS_PORT ? createServer(HTTP_TIMEOUTS, handleMetricsOnly(metrics)) : undefined;
  const io: RelayServer = new Server(http, {
    transports: ['websocket'],
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    connectTimeout: deps.config.AUTH_TIMEOUT_MS,
    serveClient: false,
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  deps.installAdapter?.(io);
  const health = new DatabaseHealth(deps.databaseReachable, deps.logger, () => {
    // The adapter's LISTEN connection died with the others and comes back on its own within
    // seconds; what other nodes announced meanwhile never reached this node's members. Once it
    // is back, they are dropped once: their apps reconnect and sync the mailbox.
    if (!deps.installAdapter) return;
    setTimeout(() => {
      deps.logger.warn('database back: members reconnect to sync what other nodes announced meanwhile', {
        members: io.of('/').sockets.size,
      });
      io.local.disconnectSockets(true);
    }, RESYNC_AFTER_RECOVERY_MS).unref();
  });

  const parts: RelayParts = {
    io,
    config: deps.config,
    blobs: deps.blobs,
    allowlist: deps.allowlist,
    devices: deps.devices,
    members: new ActiveMembers(deps.allowlist, deps.devices),
    logger: deps.logger,
    metrics,
    requestLimits: new RequestLimits(deps.config, clock),
    roomQueryLimits: new TokenBuckets(ROOM_QUERIES_PER_MINUTE, ROOM_QUERY_BURST, clock),
    deviceLimits: new TokenBuckets(DEVICE_CHANGES_PER_MINUTE, DEVICE_CHANGE_BURST, clock),
    deviceListLimits: new TokenBuckets(DEVICE_LISTS_PER_MINUTE, DEVICE_LIST_BURST, clock),
    calls: new CallRooms(deps.callRoomIdleMs),
    clock,
    clustered: Boolean(deps.installAdapter),
  };

  io.use(
    authMiddleware({ challenges, allowlist: deps.allowlist, origin: () => origin, onFailure: (code) => metrics.authFailures.inc(code) }),
  );
  io.use(new MemberSockets(deps.config.MAX_SOCKETS_PER_MEMBER).middleware(() => metrics.authFailures.inc(ErrorCode.RateLimited)));
  io.on('connection', (socket) => onConnection(socket, parts, health));
  io.on('blob:stored', (note) => void deliverStoredElsewhere(parts, note).catch(() => undefined));
  io.on('call:room', (note) => {
    const parsed = CallRoomNote.safeParse(note); // from another node, checked all the same
    if (!parsed.success) return;
    parts.calls.apply(parsed.data);
    // Every node checks every room: one opened on a node that died still closes when idle.
    const { roomId } = parsed.data;
    if (parsed.data.invited) parts.calls.checkWhenIdle(() => closeIfEmpty(parts, roomId));
  });
  io.on('call:room?', (query, answer) => answerRoomQuery(parts, query, answer));
  io.on('device:removed', (note) => {
    if (typeof note?.mailbox === 'string' && /^[0-9a-f]{32}$/.test(note.mailbox)) forgetRemovedDevice(parts, note.mailbox);
  });
  io.on('roster?', (_query, answer) => answerRosterQuery(parts, answer));
  const roster = parts.clustered
    ? new RosterReconciler(
        parts,
        () => health.up,
        (roomId) => closeRoom(parts, roomId),
      )
    : undefined;
  roster?.start();
  health.start();

  // One check at a time, the next one a fixed interval after the last ended.
  let revocationTimer: ReturnType<typeof setTimeout> | undefined;
  let closing = false;
  const checkRevocations = async () => {
    await dropRevoked(parts).catch(() => undefined);
    if (closing) return;
    revocationTimer = setTimeout(() => void checkRevocations(), deps.revocationCheckMs ?? MEMBER_LIST_REFRESH_MS);
    revocationTimer.unref();
  };
  const firstCheck = checkRevocations();

  return {
    metrics,
    io,
    http,
    origin: () => origin,
    listen: async (port = deps.config.PORT, host = deps.config.HOST) => {
      await firstCheck; // members' requests are served once the member list was read
      if (metricsHttp)
        await new Promise<void>((resolve, reject) => {
          metricsHttp.once('error', reject);
          metricsHttp.listen(deps.config.METRICS_PORT, '127.0.0.1', () => resolve());
        });
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          const actual = (http.address() as AddressInfo).port;
          if (!deps.config.RELAY_PUBLIC_URL) origin = `http://localhost:${actual}`;
          resolve({ port: actual, url: `http://localhost:${actual}` });
        });
      });
    },
    close: async () => {
      closing = true;
      clearTimeout(revocationTimer);
      roster?.stop();
      health.stop();
      parts.calls.stop();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => void io.close(() => resolve()));
      if (metricsHttp?.listening) await new Promise<void>((resolve) => metricsHttp.close(() => resolve()));
    },
  };
}

/**
 * Announcements ask every node (fetchSockets); while a dead node is still counted they fail
 * after the adapter's timeout. Nothing is lost: the roster reconciler (cluster/roster.ts) tells
 * everyone within DEAD_NODE_BOUND_MS. They must never end the process.
 */
function announce(parts: RelayParts, socket: RelaySocket, online: boolean): void {
  announcePresence(parts, socket, online).catch((err: unknown) =>
    parts.logger.debug('presence announcement failed', { error: err instanceof Error ? err.message : 'unknown' }),
  );
}

function onConnection(socket: RelaySocket, parts: RelayParts, health: DatabaseHealth): void {
  parts.metrics.connections.current++;
  parts.members.noteActive(socket.data.mailbox);
  const budget = new SocketBudget(socket.conn as unknown as ConstructorParameters<typeof SocketBudget>[0], () => {
    parts.metrics.socketsDropped.inc('Backpressure');
    parts.logger.warn('socket dropped: too much queued for a client that does not read');
  });
  void socket.join(mailboxRoom(socket.data.mailbox));
  announce(parts, socket, true);
  for (const name of Object.keys(HANDLERS) as RequestName[]) registerHandler(socket, parts, budget, name, health);
  let inCalls: string[] = [];
  socket.on('disconnecting', () => (inCalls = callRoomsOf(socket)));
  socket.on('disconnect', () => {
    parts.metrics.connections.current--;
    for (const roomId of inCalls) void afterLeaving(parts, socket.data.mailbox, roomId).catch(() => undefined);
    announce(parts, socket, false);
  });
}

/**
 * Every request, in order: within the socket's budget of requests in flight, from a member not
 * revoked, within the member's rate for this event, valid by its schema; then its handler.
 */
function registerHandler<K extends RequestName>(
  socket: RelaySocket,
  parts: RelayParts,
  budget: SocketBudget,
  name: K,
  health: DatabaseHealth,
): void {
  const handler = HANDLERS[name] as Handler<K>;
  const schema = requests[name].request as unknown as z.ZodType<ParsedRequestOf<K>>;
  // Socket.IO's typed `on` cannot express "payload of unknown shape": we validate ourselves.
  (socket as unknown as { on(event: string, fn: (payload: unknown, ack: unknown) => void): void }).on(name, (payload, ack) => {
    if (typeof ack !== 'function') return; // every request carries an ack; anything else is noise
    const reply = ack as (r: Result<unknown>) => void;
    if (!budget.admit(name)) {
      parts.metrics.requestErrors.inc(ErrorCode.RateLimited);
      reply({ ok: false, error: { code: ErrorCode.RateLimited, message: 'too many requests waiting for an answer on this connection' } });
      return;
    }
    const run = async () => {
      parts.members.assertActive(socket.data.mailbox, name);
      parts.requestLimits.take(name, socket.data.keyHash);
      return handler(parseWith(schema, payload, name), socket, parts);
    };
    run()
      .then(
        (value) => reply({ ok: true, value }),
        (err: unknown) => {
          const info = toErrorInfo(err);
          if (info.code === ErrorCode.Internal && (!health.up || isDatabaseUnreachable(err))) {
            info.code = ErrorCode.Unavailable;
            info.message = "the relay's database is unreachable: retry in a moment";
          }
          parts.metrics.requestErrors.inc(info.code);
          if (info.code === ErrorCode.Internal)
            parts.logger.error('request failed', { event: name, error: err instanceof Error ? err.message : 'unknown' });
          reply({ ok: false, error: info });
          if (info.code === ErrorCode.Revoked) dropSocket(socket);
        },
      )
      .finally(() => budget.settle(name));
  });
}

function dropSocket(socket: { emit(event: 'session:revoked', payload: object): unknown; disconnect(close: boolean): unknown }): void {
  socket.emit('session:revoked', {});
  socket.disconnect(true);
}

async function dropRevoked(parts: RelayParts): Promise<void> {
  await parts.members.refresh();
  const sockets = await parts.io.local.fetchSockets();
  let dropped = 0;
  for (const s of sockets) {
    if (parts.members.isActive(s.data.mailbox)) continue;
    dropSocket(s);
    dropped += 1;
  }
  // For the operator: that a revocation took effect here, never whose (no name, key or mailbox).
  if (dropped > 0) parts.logger.info('revoked member disconnected', { connections: dropped });
}
