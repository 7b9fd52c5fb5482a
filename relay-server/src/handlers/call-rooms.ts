/**
 * Call rooms: the caller names who is invited; the relay admits only those authenticated
 * identities (no first-joiner squatting, no guessable ids) and tells members who came and went.
 *
 * Who is in a call is the Socket.IO room `call:<id>` itself, which the cluster adapter spans
 * across relay nodes. The invitation list is the only state of our own: kept in memory, sent
 * to the other nodes when the room opens and when it closes (its last member left, or nobody
 * joined it within CALL_ROOM_IDLE_MS), so a member connected to any node can join; a node
 * that started later asks the others for a room it does not know (`call:room?`). A member
 * has at most MAX_OPEN_CALLS rooms open at once, so invitations cannot pile up in memory.
 */
import { CircleError, ErrorCode, MAX_CALL_MEMBERS, nativeSuite, toBase64Url } from '@circle/protocol';
import { CallRoomNote, CallRoomQuery, MAX_OPEN_CALLS } from './call-invitations.js';
import type { Handler, RelayParts, RelaySocket } from './context.js';

const callRoom = (roomId: string) => `call:${roomId}`;
const roomIdOf = (room: string) => (room.startsWith('call:') ? room.slice('call:'.length) : undefined);

/** Mailboxes with a socket in the call, on every node. */
async function membersOf(parts: RelayParts, roomId: string): Promise<Set<string>> {
  const sockets = await parts.io.in(callRoom(roomId)).fetchSockets();
  return new Set(sockets.map((s) => s.data.mailbox));
}

function share(parts: RelayParts, note: CallRoomNote): void {
  parts.calls.apply(note);
  if (parts.clustered) parts.io.serverSideEmit('call:room', note);
}

export const createCall: Handler<'call:create'> = async (p, socket, parts) => {
  const mailbox = socket.data.mailbox;
  // Invited mailboxes are not checked against the member list: a revoked one cannot join
  // anyway, and an error would tell the caller that member was revoked (SECURITY.md §2.4).
  if (parts.calls.openedBy(mailbox) >= MAX_OPEN_CALLS) {
    throw new CircleError(
      ErrorCode.RateLimited,
      'call:create',
      `you have ${MAX_OPEN_CALLS} calls open: leave one, or wait a minute for unanswered ones to close`,
    );
  }
  const roomId = toBase64Url(nativeSuite.randomBytes(16));
  share(parts, { roomId, invited: [...new Set([mailbox, ...p.invited])] });
  parts.calls.checkWhenIdle(() => closeIfEmpty(parts, roomId));
  return { roomId };
};

/** Closes a room on every node. */
export const closeRoom = (parts: RelayParts, roomId: string): void => share(parts, { roomId });

/** Closes a room nobody is in (never joined, or left before the idle check). */
export async function closeIfEmpty(parts: RelayParts, roomId: string): Promise<void> {
  if (parts.calls.noteOf(roomId) && (await membersOf(parts, roomId)).size === 0) share(parts, { roomId });
}

/**
 * A node that started after a room opened never got its note: it asks the other nodes once,
 * when a member asks to join a room it does not know. Answers are checked like notes.
 */
async function learnRoom(parts: RelayParts, roomId: string): Promise<void> {
  // Waits for every other node, at most the adapter's request timeout (5 s by default).
  const answers: unknown[] = await parts.io.serverSideEmitWithAck('call:room?', { roomId }).catch(() => []);
  for (const answer of answers) {
    const note = CallRoomNote.safeParse(answer);
    if (note.success && note.data.roomId === roomId && note.data.invited) parts.calls.apply(note.data);
  }
}

/** Answers another node's `call:room?`. */
export function answerRoomQuery(parts: RelayParts, query: unknown, answer: unknown): void {
  if (typeof answer !== 'function') return;
  const parsed = CallRoomQuery.safeParse(query);
  (answer as (note: CallRoomNote | null) => void)(parsed.success ? parts.calls.noteOf(parsed.data.roomId) : null);
}

export const joinCall: Handler<'call:join'> = async (p, socket, parts) => {
  const mailbox = socket.data.mailbox;
  if (parts.clustered && !parts.calls.noteOf(p.roomId)) {
    if (!parts.roomQueryLimits.take(socket.data.keyHash)) {
      throw new CircleError(ErrorCode.RateLimited, 'call:join', 'too many attempts to join calls this relay does not know: wait a minute');
    }
    await learnRoom(parts, p.roomId);
  }
  // Unknown and forbidden look the same, so room ids cannot be probed.
  if (!parts.calls.isInvited(p.roomId, mailbox))
    throw new CircleError(ErrorCode.Forbidden, 'call:join', 'you are not invited to this call');
  const present = await membersOf(parts, p.roomId);
  if (!present.has(mailbox) && present.size >= MAX_CALL_MEMBERS)
    throw new CircleError(ErrorCode.Conflict, 'call:join', `calls hold at most ${MAX_CALL_MEMBERS} members`);
  await socket.join(callRoom(p.roomId));
  socket.to(callRoom(p.roomId)).emit('call:member', { roomId: p.roomId, mailbox, joined: true });
  present.delete(mailbox);
  return { members: [...present] };
};

/** The call rooms a socket is in; read on `disconnecting`, before Socket.IO empties them. */
export const callRoomsOf = (socket: RelaySocket): string[] =>
  [...socket.rooms].map(roomIdOf).filter((id): id is string => id !== undefined);

/**
 * After `socket` left the room (or disconnected): tells the others when its member has no
 * socket left in the call, and closes the room when nobody is left.
 */
export async function afterLeaving(parts: RelayParts, mailbox: string, roomId: string): Promise<void> {
  const present = await membersOf(parts, roomId);
  if (!present.has(mailbox)) parts.io.to(callRoom(roomId)).emit('call:member', { roomId, mailbox, joined: false });
  if (present.size === 0) share(parts, { roomId });
}

export const leaveCall: Handler<'call:leave'> = async (p, socket, parts) => {
  if (!socket.rooms.has(callRoom(p.roomId))) return {};
  await socket.leave(callRoom(p.roomId));
  await afterLeaving(parts, socket.data.mailbox, p.roomId);
  return {};
};
