/** What every request handler gets: the verified identity of its socket and the relay's parts. */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ParsedRequestOf, RequestName, ResponseOf, ServerToClientEvents } from '@circle/protocol';
import type { SocketIdentity } from '../auth/authenticate.js';
import type { TokenBuckets } from '../limits/token-bucket.js';
import type { RequestLimits } from '../limits/request-limits.js';
import type { Logger } from '../observability/log.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { RelayConfig } from '../config.js';
import type { Allowlist, BlobStore, DeviceStore } from '../store/index.js';
import type { CallRoomNote, CallRoomQuery, CallRooms } from './call-invitations.js';
import type { ActiveMembers } from '../auth/active-members.js';
import type { NodeRoster } from '../cluster/roster.js';

export interface InterServerEvents {
  /** Another node stored a blob for a mailbox: fetch it and push it to local sockets. Ids only cross nodes. */
  'blob:stored': (note: { id: string; mailbox: string }) => void;
  /** A call room opened (with its invitation list) or closed on another node. */
  'call:room': (note: CallRoomNote) => void;
  /** Another node asks for a room it has not heard of (it started after the room opened). */
  'call:room?': (query: CallRoomQuery, answer: (note: CallRoomNote | null) => void) => void;
  /** A member removed one of its devices on another node: its mailbox takes no more blobs. */
  'device:removed': (note: { mailbox: string }) => void;
  /** Another node asks what this one holds (cluster/roster.ts), to correct for nodes that died. */
  'roster?': (query: Record<string, never>, answer: (roster: NodeRoster) => void) => void;
}

export type RelayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketIdentity>;
export type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketIdentity>;

export interface RelayParts {
  io: RelayServer;
  config: RelayConfig;
  blobs: BlobStore;
  allowlist: Allowlist;
  devices: DeviceStore;
  members: ActiveMembers;
  logger: Logger;
  metrics: RelayMetrics;
  /** Per member and event: every request's rate limit (checked before the handler runs). */
  requestLimits: RequestLimits;
  /** Per member: joins of a room this node does not know, each of which queries every other node. */
  roomQueryLimits: TokenBuckets;
  /** Per member: device publishes and removals; device lists. */
  deviceLimits: TokenBuckets;
  deviceListLimits: TokenBuckets;
  calls: CallRooms;
  clock: () => number;
  /** True when a cluster adapter links this node to others. */
  clustered: boolean;
}

export type Handler<K extends RequestName> = (
  payload: ParsedRequestOf<K>,
  socket: RelaySocket,
  parts: RelayParts,
) => Promise<ResponseOf<K>>;

export const mailboxRoom = (mailbox: string) => `mailbox:${mailbox}`;
