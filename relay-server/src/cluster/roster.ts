/**
 * Keeps presence and call membership true for everyone when a node dies without saying so.
 *
 * A node that is killed sends no "offline" and no "left the call": its sockets simply stop
 * being counted once the cluster adapter drops the silent node (NODE_TIMEOUT_MS). So every
 * node, every RECONCILE_MS, asks the others what they hold (their roster: members connected
 * there, and who is in which call) and compares the whole cluster's roster with the one it
 * saw last time. What changed is told to its own sockets only (each node corrects its own
 * members): members gone offline, members who left a call. A call room whose members all
 * vanished is closed, after two rounds in a row, so a node that paused briefly does not cost
 * anyone their call. Corrections repeat what a live node already announced at most once; the
 * client keeps presence as a set, so a repeated announcement changes nothing.
 */
import { z } from 'zod';
import { Mailbox, RoomId } from '@circle/protocol';
import type { RelayParts } from '../handlers/context.js';

/** The cluster adapter's heartbeat: a node publishes at least this often, even when idle. */
export const HEARTBEAT_INTERVAL_MS = 1000;
/** A node not heard from for this long is dropped: its sockets stop counting everywhere. */
export const NODE_TIMEOUT_MS = 3000;
/** How often each node compares the cluster's roster with the previous one. */
export const RECONCILE_MS = 2000;
/**
 * After a node dies, presence and call membership are correct for every member within this
 * bound: its last heartbeat, the timeout, the adapter's once-a-second sweep, one reconcile
 * round, and a second for the answers to travel.
 */
export const DEAD_NODE_BOUND_MS = HEARTBEAT_INTERVAL_MS + NODE_TIMEOUT_MS + 1000 + RECONCILE_MS + 1000;

const MAX_ROSTER_ENTRIES = 100_000;
/** What one node holds: mailboxes with a socket there, and per call room the mailboxes in it there. */
export const NodeRoster = z.strictObject({
  online: z.array(Mailbox).max(MAX_ROSTER_ENTRIES),
  calls: z.array(z.tuple([RoomId, z.array(Mailbox).max(MAX_ROSTER_ENTRIES)])).max(MAX_ROSTER_ENTRIES),
});
export type NodeRoster = z.infer<typeof NodeRoster>;

interface ClusterRoster {
  online: Set<string>;
  calls: Map<string, Set<string>>;
}

const CALL_PREFIX = 'call:';

/** This node's own roster, from Socket.IO's local rooms. */
export function localRoster(parts: RelayParts): NodeRoster {
  const nsp = parts.io.of('/');
  const mailboxOf = (id: string) => nsp.sockets.get(id)?.data.mailbox;
  const online = new Set<string>();
  for (const socket of nsp.sockets.values()) if (socket.data.mailbox) online.add(socket.data.mailbox);
  const calls: [string, string[]][] = [];
  for (const [room, ids] of nsp.adapter.rooms) {
    if (!room.startsWith(CALL_PREFIX)) continue;
    const members = new Set([...ids].map(mailboxOf).filter((m): m is string => m !== undefined));
    calls.push([room.slice(CALL_PREFIX.length), [...members]]);
  }
  return { online: [...online], calls };
}

/** Answers another node's `roster?`. */
export function answerRosterQuery(parts: RelayParts, answer: unknown): void {
  if (typeof answer === 'function') (answer as (r: NodeRoster) => void)(localRoster(parts));
}

/** Every node's roster merged; throws when a node that is still counted does not answer in time. */
async function clusterRoster(parts: RelayParts): Promise<ClusterRoster> {
  const answers: unknown[] = await parts.io.serverSideEmitWithAck('roster?', {});
  const merged: ClusterRoster = { online: new Set(), calls: new Map() };
  for (const roster of [localRoster(parts), ...answers]) {
    const parsed = NodeRoster.safeParse(roster); // from another node, checked all the same
    if (!parsed.success) continue;
    for (const m of parsed.data.online) merged.online.add(m);
    for (const [roomId, members] of parsed.data.calls) {
      const set = merged.calls.get(roomId) ?? new Set<string>();
      for (const m of members) set.add(m);
      merged.calls.set(roomId, set);
    }
  }
  return merged;
}

export class RosterReconciler {
  private previous: ClusterRoster | undefined;
  /** Rooms that lost their last member in the previous round; closed if still empty now. */
  private vacated = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;

  constructor(
    private readonly parts: RelayParts,
    /** False while the database is unreachable: the adapter cannot hear other nodes then. */
    private readonly databaseUp: () => boolean,
    /** Closes a call room on every node (the same as its last member leaving). */
    private readonly closeRoom: (roomId: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.round(), RECONCILE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One comparison; rounds never overlap, and a failed one changes nothing. */
  async round(): Promise<void> {
    if (this.running || !this.databaseUp()) return;
    this.running = true;
    try {
      const now = await clusterRoster(this.parts);
      if (this.databaseUp()) this.correct(now);
    } catch {
      // A node still counted did not answer: the next round asks again.
    } finally {
      this.running = false;
    }
  }

  private correct(now: ClusterRoster): void {
    const before = this.previous;
    this.previous = now;
    const { io, calls } = this.parts;
    for (const roomId of this.vacated) if (!now.calls.get(roomId)?.size && calls.noteOf(roomId)) this.closeRoom(roomId);
    this.vacated = new Set();
    if (!before) return;
    for (const mailbox of before.online) if (!now.online.has(mailbox)) io.local.emit('presence:update', { mailbox, online: false });
    for (const mailbox of now.online) if (!before.online.has(mailbox)) io.local.emit('presence:update', { mailbox, online: true });
    for (const [roomId, members] of before.calls) {
      const still = now.calls.get(roomId);
      for (const mailbox of members)
        if (!still?.has(mailbox)) io.local.to(`${CALL_PREFIX}${roomId}`).emit('call:member', { roomId, mailbox, joined: false });
      if (members.size > 0 && !still?.size) this.vacated.add(roomId);
    }
  }
}
