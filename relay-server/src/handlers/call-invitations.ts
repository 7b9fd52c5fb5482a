/**
 * Call room invitations: which mailboxes each open room admits, kept in memory on every node
 * (see call-rooms.ts for how they are shared), and the notes nodes exchange about them.
 */
import { z } from 'zod';
import { Mailbox, RoomId } from '@circle/protocol';

/** Between nodes: a room opened with its invitation list, or closed (no `invited`). */
export const CallRoomNote = z.strictObject({ roomId: RoomId, invited: z.array(Mailbox).min(1).max(256).optional() });
export type CallRoomNote = z.infer<typeof CallRoomNote>;
/** Between nodes: a node asks the others for a room it has not heard of. */
export const CallRoomQuery = z.strictObject({ roomId: RoomId });
export type CallRoomQuery = z.infer<typeof CallRoomQuery>;

/** A room nobody is in this long after it opened is closed (a ring goes unanswered after 30 s). */
export const CALL_ROOM_IDLE_MS = 60_000;
/** Rooms one member may have open at once (created by them and not yet closed). */
export const MAX_OPEN_CALLS = 4;
/**
 * Joins of rooms this node does not know, per member: each asks every other node. A member
 * joins a handful of calls an hour; one probing made-up room ids is slowed to this rate.
 */
export const ROOM_QUERIES_PER_MINUTE = 20;
export const ROOM_QUERY_BURST = 10;

export class CallRooms {
  /** Room id -> invited mailboxes; the first is the member who opened the room. */
  private readonly invitations = new Map<string, string[]>();
  private readonly idleChecks = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly idleMs = CALL_ROOM_IDLE_MS) {}

  /** Runs `check` once the room opened here has been open idleMs (see closeIfEmpty). */
  checkWhenIdle(check: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.idleChecks.delete(timer);
      void check().catch(() => undefined);
    }, this.idleMs);
    timer.unref();
    this.idleChecks.add(timer);
  }

  /** Cancels pending idle checks (the relay is closing). */
  stop(): void {
    for (const t of this.idleChecks) clearTimeout(t);
    this.idleChecks.clear();
  }

  /** Applies a room opened or closed (here or on another node). */
  apply(note: CallRoomNote): void {
    if (note.invited) this.invitations.set(note.roomId, note.invited);
    else this.invitations.delete(note.roomId);
  }

  isInvited(roomId: string, mailbox: string): boolean {
    return this.invitations.get(roomId)?.includes(mailbox) ?? false;
  }

  /** The open note of a room this node knows, for a node that does not; null when unknown. */
  noteOf(roomId: string): CallRoomNote | null {
    const invited = this.invitations.get(roomId);
    return invited ? { roomId, invited } : null;
  }

  /** How many open rooms `mailbox` opened (on any node). */
  openedBy(mailbox: string): number {
    let n = 0;
    for (const invited of this.invitations.values()) if (invited[0] === mailbox) n++;
    return n;
  }
}
