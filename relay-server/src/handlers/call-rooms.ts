/**
 * Call rooms: the caller names who is invited; the relay admits only those authenticated
 * identities (no first-joiner squatting, no guessable ids) and tells members who came and went.
 */
import { CircleError, ErrorCode, MAX_CALL_MEMBERS, nativeSuite, toBase64Url } from '@circle/protocol';
import type { Handler, RelayParts, RelaySocket } from './context.js';

interface Room {
  invited: Set<string>;
  members: Map<string, Set<string>>; // mailbox -> socket ids
}

export class CallRooms {
  private readonly rooms = new Map<string, Room>();

  create(creator: string, invited: string[]): string {
    const roomId = toBase64Url(nativeSuite.randomBytes(16));
    this.rooms.set(roomId, { invited: new Set([creator, ...invited]), members: new Map() });
    return roomId;
  }

  /** Adds a socket; returns the members before it joined. Throws Forbidden for rooms it may not enter. */
  join(roomId: string, mailbox: string, socketId: string): string[] {
    const room = this.rooms.get(roomId);
    // Unknown and forbidden look the same, so room ids cannot be probed.
    if (!room || !room.invited.has(mailbox)) throw new CircleError(ErrorCode.Forbidden, 'call:join', 'you are not invited to this call');
    if (!room.members.has(mailbox) && room.members.size >= MAX_CALL_MEMBERS) throw new CircleError(ErrorCode.Conflict, 'call:join', `calls hold at most ${MAX_CALL_MEMBERS} members`);
    const before = [...room.members.keys()].filter((m) => m !== mailbox);
    const sockets = room.members.get(mailbox) ?? new Set<string>();
    sockets.add(socketId);
    room.members.set(mailbox, sockets);
    return before;
  }

  /** Removes a socket; returns true when its member has no socket left in the room. */
  leave(roomId: string, mailbox: string, socketId: string): boolean {
    const room = this.rooms.get(roomId);
    const sockets = room?.members.get(mailbox);
    if (!room || !sockets?.delete(socketId)) return false;
    if (sockets.size > 0) return false;
    room.members.delete(mailbox);
    if (room.members.size === 0) this.rooms.delete(roomId);
    return true;
  }

  roomsOf(socketId: string): { roomId: string; mailbox: string }[] {
    const out: { roomId: string; mailbox: string }[] = [];
    for (const [roomId, room] of this.rooms) for (const [mailbox, sockets] of room.members) if (sockets.has(socketId)) out.push({ roomId, mailbox });
    return out;
  }
}

const callRoom = (roomId: string) => `call:${roomId}`;

export const createCall: Handler<'call:create'> = async (p, socket, parts) => {
  for (const m of p.invited) if (!(await parts.members.has(m))) throw new CircleError(ErrorCode.NotMember, 'call:create', 'an invited member is not an active member of this circle');
  return { roomId: parts.calls.create(socket.data.mailbox, p.invited) };
};

export const joinCall: Handler<'call:join'> = async (p, socket, parts) => {
  const before = parts.calls.join(p.roomId, socket.data.mailbox, socket.id);
  await socket.join(callRoom(p.roomId));
  socket.to(callRoom(p.roomId)).emit('call:member', { roomId: p.roomId, mailbox: socket.data.mailbox, joined: true });
  return { members: before };
};

export function leaveCallRoom(parts: RelayParts, socket: RelaySocket, roomId: string): void {
  const gone = parts.calls.leave(roomId, socket.data.mailbox, socket.id);
  void socket.leave(callRoom(roomId));
  if (gone) parts.io.to(callRoom(roomId)).emit('call:member', { roomId, mailbox: socket.data.mailbox, joined: false });
}

export const leaveCall: Handler<'call:leave'> = async (p, socket, parts) => {
  leaveCallRoom(parts, socket, p.roomId);
  return {};
};
